//! The `qingdan` binary: parses the command line and hands it to the library.

mod args;
mod commands;
mod loop_args;
mod loop_commands;
mod prefault;
mod serve_commands;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc, not glibc's malloc: a profile of a 100,000-item real-length run had about a tenth
/// of its samples in glibc's malloc, free and their list upkeep (every item's terms, tantivy's
/// postings, the exports' rows). With mimalloc, alternating runs took 14.3 and 15.0 s against
/// 16.8 and 17.9 s, peaking at 1,039 and 1,044 MiB against 977 and 991 MiB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    reset_sigpipe();
    limit_malloc_arenas();
    keep_freed_memory_longer();
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("错误: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// `qingdan search … | head` should stop quietly when `head` has read enough, as other command
/// line tools do, instead of panicking on the closed pipe: restore the default SIGPIPE action
/// that Rust's runtime replaces.
fn reset_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// mimalloc's `mi_option_purge_delay`: its place in `mi_option_e` (mimalloc 3's `mimalloc.h`),
/// which the crate's bindings give no name.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory stays with the process before mimalloc hands it back, in
/// milliseconds (its default is 1,000). A stage of a 100,000-item run takes a second or a few,
/// so the memory one stage freed went back to the system just before the next stage asked for
/// it again, and this machine zeroes every page it hands out anew: a profile had 6.7% of the
/// run in the kernel's `clear_page_erms`. At 10 s, what the first stages freed still went back
/// while the store and the exports were asking for memory: seven alternating 100,000-item runs
/// took 13.16–13.90 s (10 s) against 12.97–13.46 s (30 s or never), with 11–15% fewer page
/// faults and up to 130 MiB more at the peak. At a million items the stages take tens of
/// seconds, so the peak hardly moves (5,558,252 against 5,565,316 KiB, 10 s and 30 s).
const KEEP_FREED_MS: std::ffi::c_long = 30_000;

/// Sets [`KEEP_FREED_MS`] unless the user set mimalloc's own `MIMALLOC_PURGE_DELAY`.
fn keep_freed_memory_longer() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's options, which it reads on each purge; any value is
        // valid (-1 is "never").
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, KEEP_FREED_MS) };
    }
}

/// glibc gives threads up to eight heaps (arenas) per core, and memory freed in one heap is not
/// reused by threads allocating from another. Our own allocations go to mimalloc (above); glibc's
/// heaps now hold what C code allocates, SQLite's page cache most of all. One heap per core, as
/// when all of a run's memory was glibc's (a 300,000-item run then peaked at 2.50 GB instead of
/// 3.06 GB).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: called once at start-up before any other thread exists; mallopt only sets a
        // limit on heaps not yet created, and a refusal (0) leaves glibc's default in place.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_is_the_option_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads and sets mimalloc options; any option number is valid to read.
        let get = || unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        // mimalloc 3's default purge delay: no other option has it, so the number is right.
        assert_eq!(get(), 1_000);
        keep_freed_memory_longer();
        assert_eq!(get(), KEEP_FREED_MS);
    }
}
