// Shape of the blocked linear solve (src/kernels/affine_levels.rs, BlockParams): level
// i = b K + j of block b; blocks in groups of S; one dispatch writes levels level0 .. + levels.

struct BlockParams {
    nt: u32,
    nx: u32,
    interior: u32,     // m = nx - 2
    block_levels: u32, // K
    group_blocks: u32, // S
    blocks: u32,       // (nt - 1) / K + 1
    level0: u32,
    levels: u32,
}
