//! A child process as the benches measure it: wall time, peak resident set (`wait4`'s
//! `ru_maxrss`, this child's alone) and what it printed.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Instant;

/// What a finished child did.
pub struct Finished {
    pub secs: f64,
    /// Peak resident set in bytes.
    pub peak_bytes: u64,
    /// Exit code; -1 when a signal ended it.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    pub fn peak_mib(&self) -> f64 {
        self.peak_bytes as f64 / (1024.0 * 1024.0)
    }
}

/// Starts `cmd` with both outputs captured and waits for it.
// The child is reaped by `wait4`, which also reports its peak memory, not by `Child::wait`.
#[allow(clippy::zombie_processes)]
pub fn run(cmd: &mut Command) -> std::io::Result<Finished> {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Both pipes drained on threads, so a chatty child never blocks on a full pipe.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = r.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let err = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let (code, peak_bytes) = wait_with_peak(child.id());
    let secs = start.elapsed().as_secs_f64();
    Ok(Finished {
        secs,
        peak_bytes,
        code,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    })
}

/// Waits for the child and returns its exit code and peak resident set in bytes.
fn wait_with_peak(pid: u32) -> (i32, u64) {
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for the child we started and reaps it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid as i32, &mut status, 0, &mut usage) };
    assert!(r == pid as i32, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    // Linux reports KiB, macOS bytes.
    let unit = if cfg!(target_os = "macos") { 1 } else { 1024 };
    (code, usage.ru_maxrss.max(0) as u64 * unit)
}
