//! Fields read from `.npy` files, checked before their data are read: the header must say
//! little-endian f64 in C order, its shape must be 1-D or 2-D, the file must hold exactly the
//! bytes the header promises, and the memory the caller will need must fit, so that a small
//! file whose header claims 1e12 values is refused in milliseconds instead of allocating.

use std::fs::File;
use std::io::{BufReader, Seek};
use std::path::Path;

use ndarray::{Array1, Array2};
use ndarray_npy::npy::header::{Header, Layout};
use ndarray_npy::ReadNpyExt;

use crate::error::{Error, Result};
use crate::memory::{bytes_for, ensure_fits};

/// An f64 field read from `.npy`: its values in C order and its 2-D shape (None if 1-D).
pub struct NpyField {
    pub values: Vec<f64>,
    pub shape_2d: Option<(usize, usize)>,
}

/// Reads `path` (option `option`) after checking its header, its size, and that the field plus
/// `extra_bytes_per_value` bytes per value of the caller's own arrays fit in memory.
pub fn read_field(
    option: &'static str,
    path: &Path,
    extra_bytes_per_value: usize,
) -> Result<NpyField> {
    let bad = |why: String| Error::invalid(option, path.display(), why);
    let io = |source| Error::Io {
        context: format!("reading {}", path.display()),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    let mut reader = BufReader::new(file);
    let header = Header::from_reader(&mut reader)
        .map_err(|e| bad(format!("is not a readable .npy file ({e})")))?;
    let descr = header.type_descriptor.to_string();
    if descr != "'<f8'" {
        return Err(bad(format!(
            "holds dtype {descr}; expected float64 ('<f8'): save with arr.astype(np.float64)"
        )));
    }
    if header.layout == Layout::Fortran {
        return Err(bad(
            "is in Fortran order; save with np.save(path, np.ascontiguousarray(arr))".to_string(),
        ));
    }
    let shape_2d = match header.shape[..] {
        [_] => None,
        [rows, cols] => Some((rows, cols)),
        _ => {
            return Err(bad(format!(
                "has shape {:?}; expected (nt, nx) or (nt*nx,)",
                header.shape
            )))
        }
    };
    let count = header
        .shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad(format!("has shape {:?}, too many values", header.shape)))?;
    let data_start = reader.stream_position().map_err(io)?;
    let expected = data_start.saturating_add(bytes_for(count, 8));
    if file_len != expected {
        return Err(bad(format!(
            "has {file_len} bytes, but its header (shape {:?}) needs {expected}: truncated or not a plain array",
            header.shape
        )));
    }
    ensure_fits(
        &format!("reading {} ({count} values)", path.display()),
        bytes_for(count, 8 + extra_bytes_per_value),
        "use a smaller field",
    )?;
    reader.rewind().map_err(io)?;
    let values = match shape_2d {
        Some(_) => Array2::<f64>::read_npy(reader).map(|a| a.into_raw_vec_and_offset().0),
        None => Array1::<f64>::read_npy(reader).map(|a| a.into_raw_vec_and_offset().0),
    }
    .map_err(|e| bad(format!("could not be read ({e})")))?;
    Ok(NpyField { values, shape_2d })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// A v1.0 .npy header for `dict`, padded to 64 bytes as numpy does.
    fn header(dict: &str) -> Vec<u8> {
        let mut text = dict.to_string();
        while !(10 + text.len() + 1).is_multiple_of(64) {
            text.push(' ');
        }
        text.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((text.len() as u16).to_le_bytes());
        bytes.extend(text.as_bytes());
        bytes
    }

    #[test]
    fn a_header_claiming_more_than_the_file_holds_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes =
            header("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 11), }");
        bytes.extend(vec![0u8; 928 - bytes.len()]);
        let path = write(dir.path(), "huge.npy", &bytes);
        let start = std::time::Instant::now();
        let err = read_field("input", &path, 0).err().unwrap().to_string();
        assert!(err.contains("input") && err.contains("928 bytes"), "{err}");
        assert!(start.elapsed().as_millis() < 500);
    }

    #[test]
    fn wrong_dtype_order_and_rank_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (dict, needle) in [
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                "float64",
            ),
            (
                "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }",
                "Fortran",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 2), }",
                "shape",
            ),
        ] {
            let path = write(dir.path(), "x.npy", &header(dict));
            let err = read_field("input", &path, 0).err().unwrap().to_string();
            assert!(err.contains(needle), "{dict}: {err}");
        }
        let path = write(dir.path(), "junk.npy", b"not an npy file at all");
        let err = read_field("input", &path, 0).err().unwrap().to_string();
        assert!(err.contains("not a readable .npy"), "{err}");
    }

    #[test]
    fn a_good_field_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.npy");
        let a = ndarray::Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
        ndarray_npy::write_npy(&path, &a).unwrap();
        let f = read_field("input", &path, 8).unwrap();
        assert_eq!(f.shape_2d, Some((3, 4)));
        assert_eq!(f.values[7], 7.0);
    }
}
