//! Host <-> device data in the session's precision: WGSL structs of u32 and `real` fields, and
//! arrays of reals.

use crate::precision::Precision;

/// Bytes of a WGSL struct of `u32` and `real` fields, laid out as WGSL lays out storage structs:
/// each field at a multiple of its size, the whole rounded up to the largest field.
pub struct WgslStruct {
    bytes: Vec<u8>,
    precision: Precision,
    align: usize,
}

impl WgslStruct {
    pub fn new(precision: Precision) -> WgslStruct {
        WgslStruct {
            bytes: Vec::new(),
            precision,
            align: 4,
        }
    }

    fn pad_to(&mut self, align: usize) {
        self.align = self.align.max(align);
        self.bytes
            .resize(self.bytes.len().next_multiple_of(align), 0);
    }

    pub fn u32(mut self, x: u32) -> WgslStruct {
        self.pad_to(4);
        self.bytes.extend_from_slice(&x.to_le_bytes());
        self
    }

    pub fn real(mut self, x: f64) -> WgslStruct {
        self.pad_to(self.precision.bytes());
        match self.precision {
            Precision::F64 => self.bytes.extend_from_slice(&x.to_le_bytes()),
            Precision::F32 => self.bytes.extend_from_slice(&(x as f32).to_le_bytes()),
        }
        self
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.pad_to(self.align);
        self.bytes
    }
}

/// `values` as device reals.
pub fn reals_to_bytes(values: &[f64], precision: Precision) -> Vec<u8> {
    let mut bytes = vec![0; values.len() * precision.bytes()];
    reals_into_bytes(values, precision, &mut bytes);
    bytes
}

/// `values` as device reals, into `out` (`values.len()` reals long).
pub fn reals_into_bytes(values: &[f64], precision: Precision, out: &mut [u8]) {
    let width = precision.bytes();
    assert_eq!(out.len(), values.len() * width, "byte count must match");
    for (chunk, &x) in out.chunks_exact_mut(width).zip(values) {
        match precision {
            Precision::F64 => chunk.copy_from_slice(&x.to_le_bytes()),
            Precision::F32 => chunk.copy_from_slice(&(x as f32).to_le_bytes()),
        }
    }
}

/// Device reals back to f64, into `out`.
pub fn bytes_to_reals(bytes: &[u8], precision: Precision, out: &mut [f64]) {
    let width = precision.bytes();
    assert_eq!(bytes.len(), out.len() * width, "byte count must match");
    for (x, chunk) in out.iter_mut().zip(bytes.chunks_exact(width)) {
        *x = match precision {
            Precision::F64 => f64::from_le_bytes(chunk.try_into().expect("8 bytes")),
            Precision::F32 => f32::from_le_bytes(chunk.try_into().expect("4 bytes")) as f64,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::heat1d::kernels::HeatParams;
    use crate::Heat1D;

    /// The f64 layout is exactly the `#[repr(C)]` struct the CPU twins read.
    #[test]
    fn heat_params_bytes_match_the_repr_c_struct() {
        let p = HeatParams::new(&Heat1D::default());
        let bytes = crate::problems::heat1d::gpu::session::heat_params_bytes(&p, Precision::F64);
        assert_eq!(bytes, bytemuck::bytes_of(&p));
        assert_eq!(
            crate::problems::heat1d::gpu::session::heat_params_bytes(&p, Precision::F32).len(),
            44
        );
    }

    #[test]
    fn mixed_fields_are_aligned_like_wgsl() {
        let b = WgslStruct::new(Precision::F64)
            .u32(1)
            .u32(2)
            .u32(3)
            .real(4.0)
            .finish();
        assert_eq!(b.len(), 24);
        assert_eq!(f64::from_le_bytes(b[16..24].try_into().unwrap()), 4.0);
        let b = WgslStruct::new(Precision::F32).u32(1).real(2.0).finish();
        assert_eq!(b.len(), 8);
    }
}
