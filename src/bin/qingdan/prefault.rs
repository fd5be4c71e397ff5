//! The allocator's memory faulted in ahead of its use, on a thread that runs only when a core
//! would otherwise be idle.
//!
//! On this kind of machine (a virtual one) the first touch of a huge page costs about 6 ms of
//! the toucher's time: the host hands the page over anew, and the kernel zeroes it. A 100,000-item
//! run first touches about 800 MiB of mimalloc's arena, some 2 CPU-s of such faults, taken by
//! whichever stage asks for memory first, while its cores are otherwise busy. The run also leaves
//! a core idle here and there (a stage's last chunk, a serial step). A thread at the idle
//! scheduling class asks the kernel to fault the arena's pages in ahead (`MADV_POPULATE_WRITE`,
//! which writes nothing), in that idle time. Pages already in use are left as they are; the
//! contents of memory never change.

/// Memory a run's heap holds for each byte of its input files: mimalloc's arena held 812 MiB
/// at the peak of a 100,000-item run of a 108 MB CSV (7.5 a byte). Below that, so that pages the
/// run would not have touched are seldom touched.
const HEAP_PER_INPUT_BYTE: u64 = 7;

/// Starts faulting in the heap a run of `inputs` will need (see the module docs). Does nothing
/// where it cannot: another system, an unreadable `/proc`, a kernel without the advice.
pub fn ahead_of_run(inputs: &[std::path::PathBuf]) {
    let bytes: u64 = inputs
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let budget = usize::try_from(bytes.saturating_mul(HEAP_PER_INPUT_BYTE)).unwrap_or(usize::MAX);
    #[cfg(target_os = "linux")]
    linux::start(budget);
    #[cfg(not(target_os = "linux"))]
    let _ = budget;
}

#[cfg(target_os = "linux")]
mod linux {
    /// The kernel's `MADV_POPULATE_WRITE` (Linux 5.14): fault the range in as a write would,
    /// without writing. Older kernels refuse it (`EINVAL`), and then nothing is done.
    const MADV_POPULATE_WRITE: libc::c_int = 23;

    /// A transparent huge page: the step of the faulting, so each call takes one page.
    const STEP: usize = 2 << 20;

    /// Faults in up to `budget` bytes of the mapping that holds the heap, from its start, on a
    /// thread of its own at the idle scheduling class.
    pub fn start(budget: usize) {
        let Some(range) = heap_range(budget) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("prefault".into())
            .spawn(move || {
                if at_idle_priority() {
                    fault_in(range);
                }
            });
    }

    /// The first `budget` bytes (from a huge page's boundary) of the mapping that holds a block
    /// just allocated: mimalloc's arena, from which it hands out memory lowest first.
    pub(super) fn heap_range(budget: usize) -> Option<std::ops::Range<usize>> {
        let probe = Box::new(0u64);
        let at = std::ptr::from_ref(probe.as_ref()) as usize;
        let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
        let (start, end) = maps.lines().find_map(|line| {
            let (low, high) = line.split_whitespace().next()?.split_once('-')?;
            let low = usize::from_str_radix(low, 16).ok()?;
            let high = usize::from_str_radix(high, 16).ok()?;
            (low <= at && at < high).then_some((low, high))
        })?;
        let first = start.checked_next_multiple_of(STEP)?;
        let last = end.min(first.saturating_add(budget));
        (first < last).then_some(first..last)
    }

    /// Puts the calling thread in the idle scheduling class: it runs only when no other thread
    /// wants its core. Whether that was done.
    fn at_idle_priority() -> bool {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: pid 0 is the calling thread; the parameters are valid for SCHED_IDLE.
        unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) == 0 }
    }

    /// Faults in `range` one huge page after another, stopping at the first refusal (a hole in
    /// the mapping, an older kernel).
    pub(super) fn fault_in(range: std::ops::Range<usize>) {
        for at in range.clone().step_by(STEP) {
            let len = STEP.min(range.end - at);
            // SAFETY: the advice only faults pages of this process's own mapping in, as a
            // write would, without writing: memory in use keeps its contents, and a range
            // outside any mapping gives an error, not a fault.
            if unsafe { libc::madvise(at as *mut libc::c_void, len, MADV_POPULATE_WRITE) } != 0 {
                return;
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_heap_is_found_and_faulting_it_in_changes_nothing() {
            let data: Vec<u64> = (0..100_000u64)
                .map(|i| i.wrapping_mul(0x9E37_79B9))
                .collect();
            let Some(range) = heap_range(64 << 20) else {
                panic!("the heap's mapping is in /proc/self/maps");
            };
            assert_eq!(range.start % STEP, 0);
            assert!(range.end - range.start <= 64 << 20);
            fault_in(range);
            assert!(data
                .iter()
                .enumerate()
                .all(|(i, &v)| v == (i as u64).wrapping_mul(0x9E37_79B9)));
            assert!(heap_range(0).is_none(), "nothing to do for no input");
        }
    }
}
