// Shared by the partitioned tridiagonal kernels: one level of the solver. Every level's rows live
// in the same arrays: this level's rows are elements offset .. offset + n, and its reduced system
// (two rows per block) follows at offset + n. Blocks: floor(n / block_rows) of block_rows rows,
// the last one also taking the n mod block_rows remaining rows. Layout of
// kernels::PartitionParams.

struct PartitionParams {
    n: u32,
    block_rows: u32,
    blocks: u32,
    offset: u32,
}

@group(0) @binding(0) var<storage, read> params: PartitionParams;

// Rows of block j.
fn block_len(j: u32) -> u32 {
    if (j + 1u == params.blocks) {
        return params.n - j * params.block_rows;
    }
    return params.block_rows;
}
