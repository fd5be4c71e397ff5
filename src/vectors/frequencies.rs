//! Document frequencies kept across batches: in how many items of a workspace each merge
//! feature (canonical term, character bigram) occurs. Updated as items come and go, so a new
//! item is weighed against the whole workspace without reading every item again, and stored
//! in a compact, deterministic encoding.

use std::collections::HashMap;

use super::push_char_bigrams;
use super::tfidf::count_documents;

/// In how many items each merge feature occurs: words (canonical terms) and character bigrams.
/// Kept up to date as items come and go, so new items are weighed against the whole workspace
/// without reading every item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentFrequencies {
    pub docs: u32,
    pub words: HashMap<String, u32>,
    pub chars: HashMap<u64, u32>,
}

const MAGIC: &[u8; 5] = b"QDDF1";

impl DocumentFrequencies {
    /// Counts an item's distinct features in (`add`) or takes them out.
    pub fn count<'a>(
        &mut self,
        words: impl IntoIterator<Item = &'a str>,
        chars: impl IntoIterator<Item = u64>,
        add: bool,
    ) {
        let mut seen_words: Vec<&str> = words.into_iter().collect();
        seen_words.sort_unstable();
        seen_words.dedup();
        let mut seen_chars: Vec<u64> = chars.into_iter().collect();
        seen_chars.sort_unstable();
        seen_chars.dedup();
        if add {
            self.docs += 1;
            for w in seen_words {
                // Most words are known already: no new string for them.
                match self.words.get_mut(w) {
                    Some(n) => *n += 1,
                    None => {
                        self.words.insert(w.to_string(), 1);
                    }
                }
            }
            for c in seen_chars {
                *self.chars.entry(c).or_default() += 1;
            }
        } else {
            self.docs = self.docs.saturating_sub(1);
            for w in seen_words {
                if let Some(n) = self.words.get_mut(w) {
                    *n -= 1;
                    if *n == 0 {
                        self.words.remove(w);
                    }
                }
            }
            for c in seen_chars {
                if let Some(n) = self.chars.get_mut(&c) {
                    *n -= 1;
                    if *n == 0 {
                        self.chars.remove(&c);
                    }
                }
            }
        }
    }

    /// Counts an item in or out by its merge features: its canonical terms and the character
    /// bigrams of its normalized text.
    pub fn count_item<'a>(&mut self, terms: impl Iterator<Item = &'a str>, text: &str, add: bool) {
        let mut chars = Vec::new();
        super::push_char_bigrams(text, &mut chars);
        self.count(terms, chars, add);
    }

    /// The frequencies of whole items at once, as [`DocumentFrequencies::count_item`] on each in
    /// turn gives them, counted on all threads with the fast hasher (a whole build counts every
    /// item; one by one, that was the slowest part of writing the store).
    pub fn of_items<'a, T: Sync, I: Iterator<Item = &'a str>>(
        items: &'a [T],
        terms: impl Fn(&'a T) -> I + Sync,
        text: impl Fn(&'a T) -> &'a str + Sync,
    ) -> Self {
        let n = items.len();
        let (words, chars) = rayon::join(
            || count_documents(n, |i, count| terms(&items[i]).for_each(&mut *count)),
            || {
                count_documents(n, |i, count| {
                    let mut bigrams = Vec::new();
                    push_char_bigrams(text(&items[i]), &mut bigrams);
                    bigrams.into_iter().for_each(count)
                })
            },
        );
        DocumentFrequencies {
            docs: n as u32,
            words: words.into_iter().map(|(w, k)| (w.to_string(), k)).collect(),
            chars: chars.into_iter().collect(),
        }
    }

    /// A compact, deterministic encoding (entries sorted).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.words.len() * 12 + self.chars.len() * 12);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.docs.to_le_bytes());
        let mut words: Vec<(&String, &u32)> = self.words.iter().collect();
        words.sort_unstable();
        out.extend_from_slice(&(words.len() as u32).to_le_bytes());
        for (w, n) in words {
            out.extend_from_slice(&(w.len() as u32).to_le_bytes());
            out.extend_from_slice(w.as_bytes());
            out.extend_from_slice(&n.to_le_bytes());
        }
        let mut chars: Vec<(&u64, &u32)> = self.chars.iter().collect();
        chars.sort_unstable();
        out.extend_from_slice(&(chars.len() as u32).to_le_bytes());
        for (c, n) in chars {
            out.extend_from_slice(&c.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
        }
        out
    }

    /// Reads [`DocumentFrequencies::encode`]'s bytes; `None` when they are damaged.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        if r.take(MAGIC.len())? != MAGIC {
            return None;
        }
        let docs = r.u32()?;
        let n = r.u32()? as usize;
        let mut words = HashMap::with_capacity(n.min(bytes.len()));
        for _ in 0..n {
            let len = r.u32()? as usize;
            let w = std::str::from_utf8(r.take(len)?).ok()?.to_string();
            words.insert(w, r.u32()?);
        }
        let n = r.u32()? as usize;
        let mut chars = HashMap::with_capacity(n.min(bytes.len()));
        for _ in 0..n {
            let c = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
            chars.insert(c, r.u32()?);
        }
        r.0.is_empty()
            .then_some(DocumentFrequencies { docs, words, chars })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequencies_count_in_and_out_and_survive_encoding() {
        let mut df = DocumentFrequencies::default();
        df.count(["贷款", "贷款", "抵押"], [1, 2, 2], true);
        df.count(["贷款"], [2], true);
        assert_eq!((df.docs, df.words["贷款"], df.chars[&2]), (2, 2, 2));
        let back = DocumentFrequencies::decode(&df.encode()).unwrap();
        assert_eq!(back, df);
        df.count(["贷款", "抵押"], [1, 2], false);
        assert_eq!(df.docs, 1);
        assert!(!df.words.contains_key("抵押") && !df.chars.contains_key(&1));
        let bytes = back.encode();
        assert!(DocumentFrequencies::decode(&bytes[..bytes.len() - 1]).is_none());
    }

    #[test]
    fn whole_items_count_as_one_by_one() {
        let items: Vec<(Vec<String>, String)> = (0..500)
            .map(|i| {
                let terms = ["贷款", "抵押", "限行", "用地"][..1 + i % 4]
                    .iter()
                    .chain(["贷款"].iter())
                    .map(|t| t.to_string())
                    .collect();
                (
                    terms,
                    format!("银行贷款{}，抵押难；第{i}条", "款".repeat(i % 3)),
                )
            })
            .collect();
        let mut one_by_one = DocumentFrequencies::default();
        for (terms, text) in &items {
            one_by_one.count_item(terms.iter().map(String::as_str), text, true);
        }
        fn terms(item: &(Vec<String>, String)) -> impl Iterator<Item = &str> {
            item.0.iter().map(String::as_str)
        }
        fn text(item: &(Vec<String>, String)) -> &str {
            &item.1
        }
        let whole = DocumentFrequencies::of_items(&items, terms, text);
        assert_eq!(whole, one_by_one);
        assert_eq!(whole.encode(), one_by_one.encode());
        let none = DocumentFrequencies::of_items(&items[..0], terms, text);
        assert_eq!(none, DocumentFrequencies::default());
    }
}
