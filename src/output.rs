//! Results on disk without loss: every output goes to a temporary file beside its target and
//! is renamed over the target only when the whole command has succeeded. An error, a full disk
//! or Ctrl-C removes the temporary files, so no half-written file is left and an existing file
//! is replaced only by a complete one. Targets are checked (directory exists and is writable,
//! not a directory itself, no two outputs on one path) when they are reserved, before any
//! computing starts.
//!
//! `.npy` files are written row by row ([`NpyRows`]), so a march never holds its whole field.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use ndarray::IxDyn;
use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// A reserved output: its index in [`Outputs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot(usize);

struct Pending {
    temp: NamedTempFile,
    target: PathBuf,
    /// The command-line option that named it, for messages.
    option: &'static str,
}

/// The outputs of one command, written to temporary files and committed together.
#[derive(Default)]
pub struct Outputs {
    pending: Vec<Pending>,
}

fn io_error(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
}

impl Outputs {
    pub fn new() -> Outputs {
        Outputs::default()
    }

    /// Checks `path` for option `option` and creates its temporary file in the same directory
    /// (so the final rename stays on one file system and is atomic).
    pub fn reserve(&mut self, option: &'static str, path: &Path) -> Result<Slot> {
        let bad = |why: &str| Error::invalid(option, path.display(), why.to_string());
        if path.as_os_str().is_empty() {
            return Err(bad("is empty"));
        }
        if path.is_dir() {
            return Err(bad("is a directory; give a file name"));
        }
        if let Some(other) = self.pending.iter().find(|p| p.target == path) {
            return Err(bad(&format!("is also the path of {}", other.option)));
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(bad(&format!(
                "its directory {} does not exist",
                dir.display()
            )));
        }
        let temp = tempfile::Builder::new()
            .prefix(".heatgpu-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| bad(&format!("cannot create a file in {}: {e}", dir.display())))?;
        self.pending.push(Pending {
            temp,
            target: path.to_path_buf(),
            option,
        });
        Ok(Slot(self.pending.len() - 1))
    }

    /// [`Outputs::reserve`] for an optional path.
    pub fn reserve_opt(
        &mut self,
        option: &'static str,
        path: Option<&Path>,
    ) -> Result<Option<Slot>> {
        path.map(|p| self.reserve(option, p)).transpose()
    }

    /// The temporary file of `slot`, for writers that take a path (it is created and empty).
    pub fn temp_path(&self, slot: Slot) -> &Path {
        self.pending[slot.0].temp.path()
    }

    /// The final path of `slot`.
    pub fn target(&self, slot: Slot) -> &Path {
        &self.pending[slot.0].target
    }

    pub fn file(&mut self, slot: Slot) -> &mut File {
        self.pending[slot.0].temp.as_file_mut()
    }

    /// Writes `array` as `.npy` to `slot`'s temporary file.
    pub fn write_npy<A: ndarray_npy::WriteNpyExt>(&mut self, slot: Slot, array: &A) -> Result<()> {
        let context = format!("writing {}", self.target(slot).display());
        array
            .write_npy(BufWriter::new(self.file(slot)))
            .map_err(|e| match e {
                ndarray_npy::WriteNpyError::Io(io) => io,
                other => std::io::Error::other(other),
            })
            .map_err(io_error(context))
    }

    /// Writes all of `bytes` to `slot`'s temporary file.
    pub fn write_all(&mut self, slot: Slot, bytes: &[u8]) -> Result<()> {
        let context = format!("writing {}", self.target(slot).display());
        let file = self.file(slot);
        file.write_all(bytes)
            .and_then(|()| file.flush())
            .map_err(io_error(context))
    }

    /// An `.npy` of `shape` (f64, C order) in `slot`, written row by row.
    pub fn npy_rows(&mut self, slot: Slot, shape: &[usize]) -> Result<NpyRows<'_>> {
        let context = format!("writing {}", self.target(slot).display());
        NpyRows::create(self.file(slot), shape, context)
    }

    /// Makes every temporary file durable and renames it over its target. Called once, after
    /// the command has succeeded; a failure here names the file and leaves its target as it was.
    pub fn commit(self) -> Result<()> {
        for pending in self.pending {
            let target = pending.target;
            pending
                .temp
                .as_file()
                .sync_all()
                .map_err(io_error(format!("writing {}", target.display())))?;
            pending.temp.persist(&target).map_err(|e| Error::Io {
                context: format!("renaming the finished output onto {}", target.display()),
                source: e.error,
            })?;
        }
        Ok(())
    }
}

/// An f64 `.npy` file of a given C-order shape whose rows (last axis) are written as they come.
/// The header and the whole data area are laid out first, rows land at their offsets, and
/// [`NpyRows::finish`] checks that every row was written.
pub struct NpyRows<'f> {
    file: BufWriter<&'f mut File>,
    context: String,
    data_offset: u64,
    row_len: usize,
    rows: usize,
    written: Vec<bool>,
    /// The row the file cursor stands at, to skip seeks for rows written in order.
    cursor_row: usize,
}

impl<'f> NpyRows<'f> {
    fn create(file: &'f mut File, shape: &[usize], context: String) -> Result<NpyRows<'f>> {
        let total = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .filter(|&t| t.checked_mul(8).is_some())
            .ok_or_else(|| {
                Error::invalid(
                    "output shape",
                    format!("{shape:?}"),
                    "too large for one file",
                )
            })?;
        let row_len = *shape.last().expect("at least one axis");
        ndarray_npy::write_zeroed_npy::<f64, _>(&*file, IxDyn(shape))
            .map_err(|e| Error::Config(format!("{context}: {e}")))?;
        let len = file.metadata().map_err(io_error(context.clone()))?.len();
        let data_offset = len - 8 * total as u64;
        file.seek(SeekFrom::Start(data_offset))
            .map_err(io_error(context.clone()))?;
        let rows = total / row_len.max(1);
        Ok(NpyRows {
            file: BufWriter::with_capacity(1 << 16, file),
            context,
            data_offset,
            row_len,
            rows,
            written: vec![false; rows],
            cursor_row: 0,
        })
    }

    /// Writes row `index` (in C order over all leading axes).
    pub fn write_row(&mut self, index: usize, values: &[f64]) -> Result<()> {
        assert!(
            index < self.rows && values.len() == self.row_len,
            "row {index} out of the file's shape"
        );
        let io = || io_error(self.context.clone());
        if index != self.cursor_row {
            let offset = self.data_offset + (index * self.row_len * 8) as u64;
            self.file.seek(SeekFrom::Start(offset)).map_err(io())?;
        }
        for x in values {
            self.file.write_all(&x.to_le_bytes()).map_err(io())?;
        }
        self.written[index] = true;
        self.cursor_row = index + 1;
        Ok(())
    }

    /// Flushes; fails if a row was never written (the file would hold zeros there).
    pub fn finish(mut self) -> Result<()> {
        if let Some(missing) = self.written.iter().position(|&w| !w) {
            return Err(Error::InvalidInput {
                name: self.context.clone(),
                reason: format!("row {missing} of {} was never written", self.rows),
            });
        }
        let context = self.context.clone();
        self.file.flush().map_err(io_error(context))
    }
}

/// Reads at most `limit` bytes of a text file (a config), refusing larger ones.
pub fn read_bounded(option: &'static str, path: &Path, limit: u64) -> Result<String> {
    use std::io::Read;
    let file = File::open(path).map_err(io_error(format!("reading {}", path.display())))?;
    let mut text = String::new();
    let read = file
        .take(limit + 1)
        .read_to_string(&mut text)
        .map_err(io_error(format!("reading {}", path.display())))?;
    if read as u64 > limit {
        return Err(Error::invalid(
            option,
            path.display(),
            format!("is larger than {limit} bytes (a configuration is a few lines)"),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_land_where_numpy_expects_them_and_appear_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.npy");
        std::fs::write(&path, b"old contents").unwrap();
        let mut outputs = Outputs::new();
        let slot = outputs.reserve("--out", &path).unwrap();
        let mut rows = outputs.npy_rows(slot, &[2, 3, 4]).unwrap();
        for k in 0..6 {
            rows.write_row(k, &[k as f64; 4]).unwrap();
        }
        rows.write_row(5, &[1.0, 2.0, 3.0, 4.0]).unwrap();
        rows.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"old contents");
        outputs.commit().unwrap();
        let array: ndarray::Array3<f64> = ndarray_npy::read_npy(&path).unwrap();
        assert_eq!(array.dim(), (2, 3, 4));
        assert_eq!(array[[1, 2, 3]], 4.0);
        assert_eq!(array[[0, 1, 0]], 1.0);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn dropped_outputs_leave_nothing_and_keep_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.npy");
        std::fs::write(&path, b"old").unwrap();
        let mut outputs = Outputs::new();
        let slot = outputs.reserve("--out", &path).unwrap();
        outputs.write_all(slot, b"partial").unwrap();
        drop(outputs);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn bad_targets_are_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut outputs = Outputs::new();
        for (path, needle) in [
            (dir.path().to_path_buf(), "directory"),
            (dir.path().join("no/such/dir/x.npy"), "does not exist"),
        ] {
            let err = outputs.reserve("--out", &path).unwrap_err().to_string();
            assert!(err.contains("--out") && err.contains(needle), "{err}");
        }
        let p = dir.path().join("a.npy");
        outputs.reserve("--out", &p).unwrap();
        let err = outputs.reserve("--png", &p).unwrap_err().to_string();
        assert!(err.contains("--out"), "{err}");
    }

    #[test]
    fn unwritten_rows_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut outputs = Outputs::new();
        let slot = outputs.reserve("--out", &dir.path().join("x.npy")).unwrap();
        let mut rows = outputs.npy_rows(slot, &[3, 2]).unwrap();
        rows.write_row(0, &[1.0, 2.0]).unwrap();
        assert!(rows.finish().is_err());
    }
}
