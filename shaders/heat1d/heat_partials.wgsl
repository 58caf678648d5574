// Shared by the kernels that reduce a segment's residual and iterate norms per workgroup
// (they declare the `partials` binding): |F| maxima at segment.partials_offset + w, |T| maxima
// partials_stride further on. Finished by max_abs_reduce.

fn store_norm_partials(lid: u32, wid: vec3<u32>, nwg: vec3<u32>, f: real, x: real) {
    let f_max = workgroup_max(lid, f);
    let x_max = workgroup_max(lid, x);
    if (lid == 0u) {
        let w = segment.partials_offset + wid.x + wid.y * nwg.x;
        partials[w] = f_max;
        partials[w + segment.partials_stride] = x_max;
    }
}
