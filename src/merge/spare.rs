//! Scratch spaces kept for reuse across rayon's pieces of work. Some are as long as the vector
//! space (megabytes at a million items): one made per piece would zero fresh memory again and
//! again, one per thread is enough.

use std::sync::{Mutex, PoisonError};

/// Spare scratch spaces: a piece of work takes one (or makes one), works in it, gives it back.
pub struct Spare<S>(Mutex<Vec<S>>);

impl<S> Spare<S> {
    pub fn new() -> Self {
        Spare(Mutex::new(Vec::new()))
    }

    /// A spare scratch space, or a new one from `make`.
    pub fn take(&self, make: impl FnOnce() -> S) -> S {
        let taken = self.0.lock().unwrap_or_else(PoisonError::into_inner).pop();
        taken.unwrap_or_else(make)
    }

    /// Keeps `space` for the next piece of work.
    pub fn give(&self, space: S) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(space);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_space_given_back_is_taken_again_before_a_new_one_is_made() {
        let spare = Spare::new();
        let mut made = 0;
        let mut space = spare.take(|| {
            made += 1;
            vec![0u8; 4]
        });
        space[0] = 7;
        spare.give(space);
        let again = spare.take(|| {
            made += 1;
            vec![0u8; 4]
        });
        assert_eq!((again[0], made), (7, 1));
        // Two taken at once: the second is new.
        let other = spare.take(|| vec![1u8; 4]);
        assert_eq!(other, vec![1u8; 4]);
    }
}
