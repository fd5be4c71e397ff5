//! Handing the heap a finished stage freed back to the system, and asking the processor for
//! memory ahead of its use.

/// Returns glibc's free heap pages to the system. glibc keeps what a build frees resident in its
/// heaps, in blocks the exports' allocations only partly reuse: when all of a run's memory was
/// glibc's, the exports raised a 1M run's peak from 5.1 to 5.8 GiB without this. The `qingdan`
/// binary allocates from mimalloc, which hands freed pages back by itself; glibc's heaps still
/// hold SQLite's page cache. Elsewhere a no-op.
pub fn return_freed_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of glibc's own heaps; it touches no block
    // in use and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Asks the processor to start fetching the cache line at `at`, to be read a little later: the
/// merge and the topic model read scattered memory, one piece after another.
#[inline]
pub fn prefetch<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is a hint: it reads nothing the program sees and never faults
        // (whatever the address), and SSE (which has it) is part of every x86_64 processor.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(at.cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}
