// The border column v of the block T (the rows' couplings to x[n-1]): row 0's lower entry and
// row n-2's upper entry, written into the right side of the solve T z = v (its other level-0
// entries stay zero). One invocation.

@group(0) @binding(1) var<storage, read> lower: array<real>;
@group(0) @binding(2) var<storage, read> upper: array<real>;
@group(0) @binding(3) var<storage, read_write> rhs_z: array<real>;

@compute @workgroup_size(1)
fn cyclic_border_column() {
    rhs_z[1] = lower[1];
    rhs_z[params.n - 1u] = upper[params.n - 1u];
}
