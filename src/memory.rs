//! Handing the heap a finished stage freed back to the system, freeing large values off the
//! critical path, and asking the processor for memory ahead of its use.

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

/// Drops `value` on a thread of its own, for a large value dropped when nothing else is left to
/// do: freeing a 100,000-item run's analysis and its pipeline took about a tenth of a second of
/// one core at the very end of the run. A command exits without waiting for it; in a server the
/// thread finishes it. Where no thread can be started, `value` is dropped here.
pub fn drop_aside<T: Send + 'static>(value: T) {
    // A refused spawn drops the closure, and with it `value`, before returning.
    let _ = std::thread::Builder::new()
        .name("drop-aside".into())
        .spawn(move || drop(value));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Tells its channel, on which thread, when it is dropped.
    struct Dropped(mpsc::Sender<std::thread::ThreadId>);

    impl Drop for Dropped {
        fn drop(&mut self) {
            let _ = self.0.send(std::thread::current().id());
        }
    }

    #[test]
    fn a_value_dropped_aside_is_dropped_once_on_another_thread() {
        let (tx, rx) = mpsc::channel();
        drop_aside(Dropped(tx));
        let on = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("dropped within ten seconds");
        assert_ne!(on, std::thread::current().id());
        // The sender went with the value: nothing else arrives, and the channel closes.
        assert!(rx.recv_timeout(Duration::from_secs(10)).is_err());
    }
}
