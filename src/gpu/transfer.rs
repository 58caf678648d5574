//! Host <-> device copies: uploads through the queue, downloads through a staging buffer
//! (a persistent one for small reads, the caller's for repeated large ones). Every byte is
//! counted in the ledger.

use std::sync::mpsc;
use std::sync::PoisonError;

use super::context::GpuContext;
use super::error::GpuError;

/// Size of the persistent readback buffer: downloads up to this many bytes create no buffer.
pub const READBACK_BYTES: u64 = 256;

/// wgpu requires copy offsets and sizes to be multiples of this.
pub(super) const COPY_ALIGN: u64 = wgpu::COPY_BUFFER_ALIGNMENT;

impl GpuContext {
    fn check_range(
        &self,
        what: &str,
        buffer: &wgpu::Buffer,
        offset: u64,
        len: u64,
    ) -> Result<(), GpuError> {
        let aligned = offset.is_multiple_of(COPY_ALIGN) && len.is_multiple_of(COPY_ALIGN);
        let inside = offset
            .checked_add(len)
            .is_some_and(|end| end <= buffer.size());
        if aligned && inside {
            Ok(())
        } else {
            Err(GpuError::BadRange {
                what: what.to_owned(),
                offset,
                len,
                align: COPY_ALIGN,
                buffer_size: buffer.size(),
            })
        }
    }

    /// Writes `bytes` at `offset` (both multiples of 4) via `queue.write_buffer`; the write
    /// lands before the next submit.
    pub fn upload(&self, buffer: &wgpu::Buffer, offset: u64, bytes: &[u8]) -> Result<(), GpuError> {
        let len = bytes.len() as u64;
        self.check_range("upload", buffer, offset, len)?;
        if len == 0 {
            return Ok(());
        }
        self.checked("upload", Some(len), || {
            self.queue.write_buffer(buffer, offset, bytes)
        })?;
        self.ledger.uploaded(len);
        Ok(())
    }

    /// Copies `len_bytes` at `offset` (both multiples of 4) of a COPY_SRC buffer to the host.
    pub fn download(
        &self,
        buffer: &wgpu::Buffer,
        offset: u64,
        len_bytes: u64,
    ) -> Result<Vec<u8>, GpuError> {
        let len = usize::try_from(len_bytes).map_err(|_| GpuError::BadRange {
            what: "download".to_owned(),
            offset,
            len: len_bytes,
            align: COPY_ALIGN,
            buffer_size: buffer.size(),
        })?;
        let mut out = vec![0; len];
        self.download_into(buffer, offset, &mut out)?;
        Ok(out)
    }

    /// Fills `out` from `buffer` at `offset` (one submit and one wait). Up to
    /// [`READBACK_BYTES`] go through the persistent readback buffer and create no buffer;
    /// larger downloads create (and count) a staging buffer of `out.len()` bytes.
    /// `out` may be a `bytemuck::cast_slice_mut` of a typed slice.
    pub fn download_into(
        &self,
        buffer: &wgpu::Buffer,
        offset: u64,
        out: &mut [u8],
    ) -> Result<(), GpuError> {
        let len = out.len() as u64;
        self.check_range("download", buffer, offset, len)?;
        if len == 0 {
            return Ok(());
        }
        if len <= READBACK_BYTES {
            let readback = self.readback.lock().unwrap_or_else(PoisonError::into_inner);
            self.read_through(&readback, buffer, offset, out)?;
        } else {
            let staging = self.create_buffer(
                "download staging",
                len,
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            )?;
            self.read_through(&staging, buffer, offset, out)?;
        }
        self.ledger.downloaded(len);
        Ok(())
    }

    /// A MAP_READ | COPY_DST buffer for [`Self::download_through`]: code that downloads the same
    /// array again and again creates its staging buffer once.
    pub fn create_readback_buffer(
        &self,
        label: &str,
        size_bytes: u64,
    ) -> Result<wgpu::Buffer, GpuError> {
        self.create_buffer(
            label,
            size_bytes,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        )
    }

    /// [`Self::download_into`] through the caller's `staging` buffer (from
    /// [`Self::create_readback_buffer`], at least `out.len()` bytes): creates no buffer.
    pub fn download_through(
        &self,
        staging: &wgpu::Buffer,
        buffer: &wgpu::Buffer,
        offset: u64,
        out: &mut [u8],
    ) -> Result<(), GpuError> {
        let len = out.len() as u64;
        self.check_range("download", buffer, offset, len)?;
        self.check_range("download staging", staging, 0, len)?;
        if len == 0 {
            return Ok(());
        }
        self.read_through(staging, buffer, offset, out)?;
        self.ledger.downloaded(len);
        Ok(())
    }

    /// Copies `out.len()` bytes of `buffer` at `offset` into `staging` at 0, maps, reads.
    /// `staging` is unmapped again on every path, so it can be reused after an error.
    fn read_through(
        &self,
        staging: &wgpu::Buffer,
        buffer: &wgpu::Buffer,
        offset: u64,
        out: &mut [u8],
    ) -> Result<(), GpuError> {
        let len = out.len() as u64;
        let mut encoder = self.create_encoder("download");
        encoder.copy_buffer_to_buffer(buffer, offset, staging, 0, len);
        self.submit(encoder)?;
        let slice = staging.slice(..len);
        let (sender, receiver) = mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |result| {
            // The receiver is gone only if waiting failed; the result is moot then.
            let _ = sender.send(result);
        });
        let mapped = self.wait().and_then(|()| {
            receiver
                .recv()
                .map_err(|_| GpuError::Map("map callback did not run".to_owned()))?
                .map_err(|e| GpuError::Map(e.to_string()))?;
            let view = slice
                .get_mapped_range()
                .map_err(|e| GpuError::Map(e.to_string()))?;
            out.copy_from_slice(&view);
            Ok(())
        });
        staging.unmap();
        mapped
    }
}
