// Shared by the batched tridiagonal kernels: a batch of `batch` systems of `n` rows each in the
// interleaved layout, row k of system s at element offset + k * batch + s of every array, so the
// invocations of neighbouring systems read neighbouring words. Layout of kernels::BatchParams.

struct BatchParams {
    n: u32,
    batch: u32,
    offset: u32,
}

@group(0) @binding(0) var<storage, read> params: BatchParams;
