//! Progress bars on stderr for the long stages; hidden when stderr is not a terminal or with
//! `--quiet`, so logs and pipes stay clean.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Makes progress bars, or hidden ones.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    visible: bool,
}

impl Progress {
    /// Visible only on a terminal and when not quiet.
    pub fn new(quiet: bool) -> Self {
        Progress {
            visible: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// Never shown (library use, tests).
    pub fn hidden() -> Self {
        Progress { visible: false }
    }

    /// A bar for a stage of `len` steps.
    pub fn stage(&self, name: &str, len: usize) -> ProgressBar {
        if !self.visible {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{msg:8} [{bar:30}] {pos}/{len} ({per_sec})")
                .expect("static template")
                .progress_chars("=> "),
        );
        bar.set_message(name.to_string());
        bar
    }

    /// A spinner for a stage of unknown length.
    pub fn spinner(&self, name: &str) -> ProgressBar {
        if !self.visible {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_message(name.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }
}

/// `QINGDAN_TIMINGS=1` prints each timed step's seconds to stderr (benchmarks read them).
pub const TIMINGS_ENV: &str = "QINGDAN_TIMINGS";

/// Times a step when [`TIMINGS_ENV`] is set: prints `耗时 name seconds` when dropped, then the
/// process's CPU seconds over the step (all threads: against the wall time, how parallel it
/// ran) and its resident memory.
pub struct Timing {
    name: &'static str,
    start: Option<(std::time::Instant, Option<f64>)>,
}

impl Timing {
    pub fn start(name: &'static str) -> Self {
        let on = std::env::var_os(TIMINGS_ENV).is_some_and(|v| v != "0");
        Timing {
            name,
            start: on.then(|| (std::time::Instant::now(), cpu_seconds())),
        }
    }
}

impl Drop for Timing {
    fn drop(&mut self) {
        if let Some((start, cpu_start)) = self.start {
            let seconds = start.elapsed().as_secs_f64();
            let mut line = format!("耗时 {} {seconds:.3}", self.name);
            if let (Some(from), Some(to)) = (cpu_start, cpu_seconds()) {
                line.push_str(&format!(" CPU {:.2}", to - from));
            }
            if let Some((now, peak)) = resident_mib() {
                line.push_str(&format!(" 内存 {now} MiB 峰值 {peak} MiB"));
            }
            eprintln!("{line}");
        }
    }
}

/// The process's user and system CPU time so far, in seconds (Linux only: `/proc/self/stat`,
/// whose clock ticks are 1/100 s on every Linux).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which may hold spaces, closed by the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) as f64 / 100.0)
}

/// The process's resident memory now and at its peak, in MiB (Linux only: `/proc/self/status`).
fn resident_mib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line[key.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    };
    Some((kib("VmRSS:")? / 1024, kib("VmHWM:")? / 1024))
}
