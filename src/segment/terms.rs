//! [`Terms`]: an item's canonical terms (or its words) in text order, kept in one string.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An item's terms in text order, joined in one string by `\n` (which no term holds: terms come
/// from normalized text, whose whitespace is single spaces, and always hold a letter or digit).
/// One allocation per item, not one per term: at 200 terms an item, separate `String`s took
/// about 11 KB per item, ten gigabytes at a million items; joined they take about 1.4 KB.
/// A text's words (before synonyms) are kept the same way, for the same reason: allocating and
/// freeing one `String` per word was a tenth of the analysis at a million items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    joined: String,
    len: u32,
}

impl Terms {
    pub fn new() -> Self {
        Self::default()
    }

    /// No terms yet, with room for `bytes` of joined terms.
    pub fn with_capacity(bytes: usize) -> Self {
        Terms {
            joined: String::with_capacity(bytes),
            len: 0,
        }
    }

    /// Terms from their `\n`-joined form (as the store keeps them).
    pub fn from_joined(joined: String) -> Self {
        let len = if joined.is_empty() {
            0
        } else {
            // A byte count (vectorised), not a walk of the pieces: every stored item is read so.
            joined.bytes().filter(|&b| b == b'\n').count() as u32 + 1
        };
        Terms { joined, len }
    }

    /// The terms joined by `\n`.
    pub fn joined(&self) -> &str {
        &self.joined
    }

    /// The terms joined by `\n`, as an owned string.
    pub fn into_joined(self) -> String {
        self.joined
    }

    pub fn push(&mut self, term: &str) {
        debug_assert!(!term.is_empty() && !term.contains('\n'), "{term:?}");
        if self.len > 0 {
            self.joined.push('\n');
        }
        self.joined.push_str(term);
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The terms in text order.
    pub fn iter(&self) -> TermsIter<'_> {
        TermsIter {
            rest: &self.joined,
            left: self.len,
        }
    }

    /// The terms as owned strings (for the few places that keep them apart from the item).
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }

    /// Gives back memory held beyond the terms (after building them term by term).
    pub fn shrink_to_fit(&mut self) {
        self.joined.shrink_to_fit();
    }
}

/// The terms of a [`Terms`], in text order. A byte scan for the `\n` after each term, not
/// `str::split`: terms are a few bytes long, and the general searcher's set-up and compare for
/// each were 3% of a run (every stage reads every item's terms).
#[derive(Debug, Clone)]
pub struct TermsIter<'a> {
    rest: &'a str,
    left: u32,
}

impl<'a> Iterator for TermsIter<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let bytes = self.rest.as_bytes();
        let end = bytes
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(bytes.len());
        // `\n` is one byte, so both sides of it are character boundaries.
        let (term, rest) = self.rest.split_at(end);
        self.rest = rest.get(1..).unwrap_or("");
        Some(term)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for TermsIter<'_> {}

impl<S: AsRef<str>> FromIterator<S> for Terms {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut terms = Terms::new();
        for t in iter {
            terms.push(t.as_ref());
        }
        terms
    }
}

/// Serialized as a list of strings, as the `Vec<String>` it replaced was.
impl Serialize for Terms {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Terms {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<String>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_terms_in_order_and_round_trips() {
        let terms: Terms = ["贷款", "难", "ERP"].into_iter().collect();
        assert_eq!(terms.len(), 3);
        assert_eq!(terms.iter().collect::<Vec<_>>(), ["贷款", "难", "ERP"]);
        assert_eq!(Terms::from_joined(terms.joined().to_string()), terms);
        let json = serde_json::to_string(&terms).unwrap();
        assert_eq!(json, r#"["贷款","难","ERP"]"#);
        assert_eq!(serde_json::from_str::<Terms>(&json).unwrap(), terms);
        let none = Terms::from_joined(String::new());
        assert!(none.is_empty() && none.iter().next().is_none());
    }

    #[test]
    fn iterates_as_splitting_the_joined_terms_would() {
        for words in [
            vec!["融资"],
            vec!["a", "贷款难", "5G", "税"],
            vec!["長", "x"],
        ] {
            let terms: Terms = words.iter().collect();
            let mut it = terms.iter();
            assert_eq!(it.len(), words.len());
            let first = it.next();
            assert_eq!(first, Some(words[0]));
            // A clone goes on from where the original stood.
            assert_eq!(it.clone().collect::<Vec<_>>(), words[1..]);
            assert_eq!(it.len(), words.len() - 1);
            let split: Vec<&str> = terms.joined().split('\n').collect();
            assert_eq!(terms.iter().collect::<Vec<_>>(), split);
        }
    }
}
