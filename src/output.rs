//! Results on disk: `.npy` files numpy loads, written row by row so that a march never holds
//! its whole field.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use ndarray::IxDyn;

use crate::error::{HeatError, Result};

/// An f64 `.npy` file of a given C-order shape whose rows (last axis) are written as they come.
pub struct NpyRows {
    file: File,
    path: PathBuf,
    data_offset: u64,
    row_len: usize,
    rows: usize,
    bytes: Vec<u8>,
}

impl NpyRows {
    /// Creates the file with its header; the data are zeros until written (sparse on disk).
    pub fn create(path: &Path, shape: &[usize]) -> Result<NpyRows> {
        let io = |source| HeatError::Io {
            context: format!("writing {}", path.display()),
            source,
        };
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(io)?;
        ndarray_npy::write_zeroed_npy::<f64, _>(&file, IxDyn(shape))
            .map_err(|e| HeatError::Config(format!("writing {}: {e}", path.display())))?;
        let total: usize = shape.iter().product();
        let row_len = *shape.last().expect("at least one axis");
        let data_offset = file.metadata().map_err(io)?.len() - 8 * total as u64;
        Ok(NpyRows {
            file,
            path: path.to_owned(),
            data_offset,
            row_len,
            rows: total / row_len.max(1),
            bytes: Vec::with_capacity(8 * row_len),
        })
    }

    /// Writes row `index` (in C order over all leading axes).
    pub fn write_row(&mut self, index: usize, values: &[f64]) -> Result<()> {
        assert!(
            index < self.rows && values.len() == self.row_len,
            "row {index} out of the file's shape"
        );
        self.bytes.clear();
        self.bytes
            .extend(values.iter().flat_map(|x| x.to_le_bytes()));
        let offset = self.data_offset + (index * self.row_len * 8) as u64;
        self.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.file.write_all(&self.bytes))
            .map_err(|source| HeatError::Io {
                context: format!("writing {}", self.path.display()),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_land_where_numpy_expects_them() {
        let path = std::env::temp_dir().join(format!("heatgpu-npyrows-{}.npy", std::process::id()));
        let mut out = NpyRows::create(&path, &[2, 3, 4]).unwrap();
        out.write_row(5, &[1.0, 2.0, 3.0, 4.0]).unwrap();
        out.write_row(0, &[-1.0; 4]).unwrap();
        drop(out);
        let array: ndarray::Array3<f64> = ndarray_npy::read_npy(&path).unwrap();
        assert_eq!(array.dim(), (2, 3, 4));
        assert_eq!(array[[1, 2, 3]], 4.0);
        assert_eq!(array[[0, 0, 0]], -1.0);
        assert_eq!(array[[1, 0, 0]], 0.0);
        std::fs::remove_file(path).ok();
    }
}
