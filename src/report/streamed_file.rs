//! A file written once, front to back, that goes to the disk as it grows and leaves the page
//! cache behind it. The exports are gigabytes at a million items: kept whole in the page cache,
//! every page of them is one more the kernel must find, and on a virtual machine that hands its
//! free memory back to the host a fresh page costs the host's fault as well (copying into new
//! page-cache pages was a third of a 1M run's exports by a profile).

use std::fs::File;
use std::io::{self, Write};

/// Bytes written between two hand-overs to the disk.
const STRETCH: u64 = 16 << 20;

/// A [`File`] being written that starts writing each [`STRETCH`] back as soon as it is full,
/// waits for the one before it, and drops that one from the page cache. Only a hint to the
/// kernel: [`StreamedFile::sync`] still syncs the whole file before it counts as written.
pub struct StreamedFile {
    file: File,
    /// Bytes written so far.
    written: u64,
    /// Where the stretch being filled starts (the ones before it are on their way to disk).
    filling: u64,
    /// Everything before this is on disk and out of the page cache.
    dropped: u64,
}

impl StreamedFile {
    pub fn new(file: File) -> Self {
        StreamedFile {
            file,
            written: 0,
            filling: 0,
            dropped: 0,
        }
    }

    /// Syncs the whole file (data and metadata), then drops what is left of it from the page
    /// cache, and closes it.
    pub fn sync(self) -> io::Result<()> {
        self.file.sync_all()?;
        advise_dont_need(&self.file, 0, 0);
        Ok(())
    }

    /// The stretch just filled starts going to disk; the one before it is waited for and
    /// dropped. Errors are left to the final sync, which meets them again.
    fn hand_over(&mut self) {
        let (filled, before) = (self.written - self.filling, self.filling - self.dropped);
        sync_range(&self.file, self.filling, filled, WriteBack::Start);
        if before > 0 {
            sync_range(&self.file, self.dropped, before, WriteBack::Finish);
            advise_dont_need(&self.file, self.dropped, before);
            self.dropped = self.filling;
        }
        self.filling = self.written;
    }
}

impl Write for StreamedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.filling >= STRETCH {
            self.hand_over();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// How far [`sync_range`] takes a stretch of the file.
#[derive(Clone, Copy)]
enum WriteBack {
    /// Its write-back starts.
    Start,
    /// Its write-back is started and waited for.
    Finish,
}

#[cfg(target_os = "linux")]
fn sync_range(file: &File, offset: u64, len: u64, how: WriteBack) {
    use std::os::fd::AsRawFd;
    let flags = match how {
        WriteBack::Start => libc::SYNC_FILE_RANGE_WRITE,
        WriteBack::Finish => {
            libc::SYNC_FILE_RANGE_WAIT_BEFORE
                | libc::SYNC_FILE_RANGE_WRITE
                | libc::SYNC_FILE_RANGE_WAIT_AFTER
        }
    };
    // SAFETY: the descriptor is open for as long as `file` is borrowed; sync_file_range only
    // writes those pages back (and waits, when asked), and touches no memory of ours.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            offset as libc::off64_t,
            len as libc::off64_t,
            flags,
        );
    }
}

/// Drops the file's pages in `offset..offset + len` (to its end when `len` is 0) from the page
/// cache, the clean ones only: a dirty page stays until it is written.
#[cfg(target_os = "linux")]
fn advise_dont_need(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: as in `sync_range`; the advice changes no content of the file.
    unsafe {
        libc::posix_fadvise(
            file.as_raw_fd(),
            offset as libc::off_t,
            len as libc::off_t,
            libc::POSIX_FADV_DONTNEED,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn sync_range(_: &File, _: u64, _: u64, _: WriteBack) {}

#[cfg(not(target_os = "linux"))]
fn advise_dont_need(_: &File, _: u64, _: u64) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_arrives_across_stretches_and_the_file_is_whole_after_sync() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        let mut out = StreamedFile::new(File::create(&path).unwrap());
        // Three and a half stretches, in writes of an odd size so stretches end mid-write.
        let total = (STRETCH * 7 / 2) as usize;
        let mut expected = Vec::with_capacity(total);
        let mut chunk = vec![0u8; 1_000_003];
        let mut k = 0u32;
        while expected.len() < total {
            let n = chunk.len().min(total - expected.len());
            for b in &mut chunk[..n] {
                k = k.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                *b = (k >> 24) as u8;
            }
            out.write_all(&chunk[..n]).unwrap();
            expected.extend_from_slice(&chunk[..n]);
        }
        assert!(
            out.dropped >= STRETCH * 2,
            "earlier stretches were handed over"
        );
        assert_eq!(out.written, total as u64);
        out.sync().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), expected);
    }
}
