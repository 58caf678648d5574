// Shared by the Burgers kernels that reduce per workgroup (they declare `partials`; needs
// workgroup_max.wgsl). Called from uniform control flow.

// Stores a workgroup's maximum of `value` (flagged: -1 = not finite) at its partial.
fn store_partial(lid: u32, wid: vec3<u32>, nwg: vec3<u32>, value: real, offset: u32) {
    let m = workgroup_max(lid, value);
    if (lid == 0u) {
        partials[offset + wid.x + wid.y * nwg.x] = m;
    }
}
