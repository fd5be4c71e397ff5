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
