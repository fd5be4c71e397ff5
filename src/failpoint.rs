//! Named points where a test can stop the process as a kill would: with `QINGDAN_CRASH_AT` set
//! to a point's name, a debug build aborts there (no destructors, no flushing). The crash tests
//! use them to stop commands exactly between the store's commit and the index's, the moments a
//! timed kill rarely hits. Release builds ignore them.

/// The environment variable naming the point to stop at.
pub const CRASH_AT: &str = "QINGDAN_CRASH_AT";

/// Aborts the process if `name` is the point named in [`CRASH_AT`] (debug builds only).
pub fn hit(name: &str) {
    #[cfg(debug_assertions)]
    if std::env::var_os(CRASH_AT).is_some_and(|v| v == name) {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = name;
}
