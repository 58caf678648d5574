// dst[c][r] = src[r][c] for a rows x cols field, through a 16 x 16 tile in workgroup memory so
// that both the reads and the writes of a workgroup's invocations are coalesced (the padding
// column keeps the tile's column reads off one memory bank). Bytes per point: 8 B + 8 B.
// CPU twin: problems::diffusion2d::kernels::diffusion2d_transpose.

struct TransposeParams {
    rows: u32,
    cols: u32,
}

@group(0) @binding(0) var<storage, read> params: TransposeParams;
@group(0) @binding(1) var<storage, read> src: array<real>;
@group(0) @binding(2) var<storage, read_write> dst: array<real>;

var<workgroup> tile: array<array<real, 17>, 16>;

@compute @workgroup_size(16, 16)
fn diffusion2d_transpose(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    let r = wid.y * 16u + lid.y;
    let c = wid.x * 16u + lid.x;
    if (r < params.rows && c < params.cols) {
        tile[lid.y][lid.x] = src[r * params.cols + c];
    }
    workgroupBarrier();
    // Output row = input column, output column = input row.
    let out_row = wid.x * 16u + lid.y;
    let out_col = wid.y * 16u + lid.x;
    if (out_row < params.cols && out_col < params.rows) {
        dst[out_row * params.rows + out_col] = tile[lid.x][lid.y];
    }
}
