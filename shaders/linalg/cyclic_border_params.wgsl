// Shared by the bordering kernels of the large cyclic solver (src/linalg/gpu_cyclic.rs): a
// cyclic system of n rows stored rotated by one in the partitioned solver's level-0 arrays:
// element 0 holds row n-1 (the border row), elements 1 .. n the rows 0 .. n-2 (the block T).

struct CyclicBorderParams {
    n: u32,
}

@group(0) @binding(0) var<storage, read> params: CyclicBorderParams;
