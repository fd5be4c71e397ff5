//! [`WordSpans`]: where the words of one text stand, kept from its analysis so that later stages
//! (self-training, the index) read the same words without cutting the text again.

use crate::vectors::varint;

/// The byte ranges of a text's words, in text order (by start, then end), packed as varints:
/// per word, its start less the previous word's start, then its length. About two bytes a
/// word, where the words as `String`s would take some thirty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordSpans {
    packed: Box<[u8]>,
}

impl WordSpans {
    /// Packs `spans`, given in text order (each start at or after the one before).
    pub fn from_spans(spans: impl IntoIterator<Item = (usize, usize)>) -> Self {
        let mut packed = Vec::new();
        let mut previous = 0;
        for (start, end) in spans {
            debug_assert!(
                start >= previous && end >= start,
                "{start}..{end} after {previous}"
            );
            varint::put(&mut packed, (start - previous) as u64);
            varint::put(&mut packed, (end - start) as u64);
            previous = start;
        }
        WordSpans {
            packed: packed.into_boxed_slice(),
        }
    }

    /// The spans as `(start, end)` byte offsets, in text order.
    pub fn iter(&self) -> Spans<&[u8]> {
        Spans::new(&self.packed)
    }

    pub fn is_empty(&self) -> bool {
        self.packed.is_empty()
    }
}

impl IntoIterator for WordSpans {
    type Item = (usize, usize);
    type IntoIter = Spans<Box<[u8]>>;

    fn into_iter(self) -> Self::IntoIter {
        Spans::new(self.packed)
    }
}

/// The spans of a [`WordSpans`], borrowed or owned.
pub struct Spans<B> {
    packed: B,
    at: usize,
    start: usize,
}

impl<B: AsRef<[u8]>> Spans<B> {
    fn new(packed: B) -> Self {
        Spans {
            packed,
            at: 0,
            start: 0,
        }
    }
}

impl<B: AsRef<[u8]>> Iterator for Spans<B> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let packed = self.packed.as_ref();
        let mut rest = packed.get(self.at..).filter(|r| !r.is_empty())?;
        self.start += varint::read(&mut rest) as usize;
        let len = varint::read(&mut rest) as usize;
        self.at = packed.len() - rest.len();
        Some((self.start, self.start + len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_come_back_as_packed() {
        let spans = vec![
            (0, 6),
            (0, 12),
            (6, 12),
            (12, 12),
            (300, 100_000),
            (70_000, 70_003),
        ];
        let packed = WordSpans::from_spans(spans.iter().copied());
        assert_eq!(packed.iter().collect::<Vec<_>>(), spans);
        assert_eq!(packed.clone().into_iter().collect::<Vec<_>>(), spans);
        assert!(!packed.is_empty());
        let none = WordSpans::from_spans([]);
        assert!(none.is_empty());
        assert_eq!(none.iter().count(), 0);
    }
}
