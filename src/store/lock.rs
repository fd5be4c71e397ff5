//! The workspace's writer lock: one `qingdan.lock` file, locked exclusively (`File::try_lock`) by
//! the one command that may change the workspace. The operating system drops the lock when the
//! process ends, however it ends, so a killed command never leaves the workspace locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// The lock file's name inside the workspace.
pub const LOCK_FILE: &str = "qingdan.lock";
/// How long a second writer waits by default before it gives up.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(30);
/// `QINGDAN_WAIT=秒` changes the wait (tests and scripts use a short one).
pub const WAIT_ENV: &str = "QINGDAN_WAIT";

/// Held while a command changes the workspace; released on drop.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
    path: PathBuf,
}

impl WriterLock {
    /// Takes the lock of the workspace in `dir`, waiting up to [`wait`] for another writer to
    /// finish; after that, an error naming the busy workspace.
    pub fn acquire(dir: &Path) -> Result<Self> {
        Self::acquire_within(dir, wait())
    }

    pub fn acquire_within(dir: &Path, wait: Duration) -> Result<Self> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(WriterLock { _file: file, path }),
                Err(TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(Error::Busy {
                        path: dir.to_path_buf(),
                        waited: start.elapsed().as_secs_f64(),
                    })
                }
                Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
        }
    }

    /// Whether another process holds the lock now (without waiting or taking it).
    pub fn is_held(dir: &Path) -> Result<bool> {
        let path = dir.join(LOCK_FILE);
        let Ok(file) = File::open(&path) else {
            return Ok(false);
        };
        match file.try_lock_shared() {
            Ok(()) => Ok(false),
            Err(TryLockError::WouldBlock) => Ok(true),
            Err(TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The writer wait: [`WAIT_ENV`] seconds when set and valid, else [`DEFAULT_WAIT`].
pub fn wait() -> Duration {
    std::env::var(WAIT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e7)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_waits_then_names_the_busy_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let first = WriterLock::acquire_within(dir.path(), Duration::ZERO).unwrap();
        assert!(WriterLock::is_held(dir.path()).unwrap());
        let start = Instant::now();
        let err = WriterLock::acquire_within(dir.path(), Duration::from_millis(200)).unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(200));
        let msg = err.to_string();
        assert!(
            msg.contains(&dir.path().display().to_string()) && msg.contains("正在被"),
            "{msg}"
        );
        drop(first);
        assert!(!WriterLock::is_held(dir.path()).unwrap());
        WriterLock::acquire_within(dir.path(), Duration::ZERO).unwrap();
    }
}
