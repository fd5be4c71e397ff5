//! Traditional → Simplified with OpenCC's phrase-aware tables (ferrous-opencc, pure Rust), because
//! jieba's dictionary is Simplified: Traditional text segments badly and never meets its twin.
//!
//! OpenCC looks every character up in its tables, though in Simplified text almost none is a key.
//! The tables' keys are shipped (`dicts/opencc_t2s_keys.txt`) so that only the stretches where a
//! key can match are handed to OpenCC: a conversion starts on a key's first character and never
//! crosses a character that is in no key, so converting each such stretch on its own gives
//! exactly what converting the whole text gives. In 5,000 real-length messages, 5.6% of the
//! characters can start one.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};

use ferrous_opencc::config::BuiltinConfig;
use ferrous_opencc::OpenCC;

use super::Normalizer;
use crate::vectors::FxHasher;
use crate::{Error, Result};

/// The keys of the tables OpenCC's t2s conversion uses (see the file's header).
const KEYS: &str = include_str!("../../dicts/opencc_t2s_keys.txt");

/// The shipped keys, one per line below the `#` header.
fn keys() -> impl Iterator<Item = &'static str> {
    KEYS.lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

/// OpenCC's t2s conversion.
pub struct TraditionalToSimplified {
    converter: OpenCC,
    /// The keys' first characters: only here can a conversion start.
    starts: CharSet,
    /// Every character of the keys: no conversion covers any other.
    inside: CharSet,
}

/// A set of characters, one bit per code point up to the largest member.
struct CharSet(Vec<u64>);

impl CharSet {
    fn new(chars: impl Iterator<Item = char>) -> Self {
        let mut bits = Vec::new();
        for c in chars {
            let c = c as usize;
            if bits.len() <= c / 64 {
                bits.resize(c / 64 + 1, 0);
            }
            bits[c / 64] |= 1 << (c % 64);
        }
        CharSet(bits)
    }

    fn contains(&self, c: char) -> bool {
        let c = c as usize;
        self.0.get(c / 64).is_some_and(|w| w >> (c % 64) & 1 == 1)
    }
}

impl TraditionalToSimplified {
    pub fn new() -> Result<Self> {
        let converter = OpenCC::from_config(BuiltinConfig::T2s).map_err(|e| Error::Dict {
            file: "opencc t2s".into(),
            line: 0,
            reason: e.to_string(),
        })?;
        Ok(TraditionalToSimplified {
            converter,
            starts: CharSet::new(keys().filter_map(|k| k.chars().next())),
            inside: CharSet::new(keys().flat_map(str::chars)),
        })
    }
}

/// Slots of each thread's memo of conversions (see [`TraditionalToSimplified::convert_into`]).
const MEMO_SLOTS: usize = 4096;

/// Stretches converted lately and what OpenCC made of them, each in the slot its hash picks (a
/// newer stretch takes the slot of an older one).
type Memo = Vec<Option<(Box<str>, Box<str>)>>;

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(vec![None; MEMO_SLOTS]);
}

impl TraditionalToSimplified {
    /// Appends OpenCC's conversion of `stretch` to `out`. The same short stretches (a key's
    /// character and its neighbours) come back in text after text, and OpenCC's chain of tables
    /// was a tenth of the analysis outside jieba: each thread keeps what it converted lately.
    /// Every instance converts with the same built-in tables, so one memo serves them all.
    fn convert_into(&self, stretch: &str, out: &mut String) {
        let mut hasher = FxHasher::default();
        stretch.hash(&mut hasher);
        let slot = hasher.finish() as usize % MEMO_SLOTS;
        MEMO.with_borrow_mut(|memo| match &memo[slot] {
            Some((from, to)) if **from == *stretch => out.push_str(to),
            _ => {
                let to = self.converter.convert(stretch);
                out.push_str(&to);
                memo[slot] = Some((stretch.into(), to.into_boxed_str()));
            }
        })
    }
}

impl Normalizer for TraditionalToSimplified {
    fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut done = 0;
        while let Some(start) = text[done..]
            .char_indices()
            .find(|&(_, c)| self.starts.contains(c))
            .map(|(i, _)| done + i)
        {
            let end = text[start..]
                .char_indices()
                .find(|&(_, c)| !self.inside.contains(c))
                .map_or(text.len(), |(i, _)| start + i);
            out.push_str(&text[done..start]);
            self.convert_into(&text[start..end], &mut out);
            done = end;
        }
        out.push_str(&text[done..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_traditional_and_leaves_simplified() {
        let t = TraditionalToSimplified::new().unwrap();
        assert_eq!(
            t.normalize("廠房租金過高，員工宿舍不足"),
            "厂房租金过高，员工宿舍不足"
        );
        assert_eq!(t.normalize("融资难融资贵"), "融资难融资贵");
    }

    /// Whole-text OpenCC, as the converter gave before it skipped anything.
    fn whole(t: &TraditionalToSimplified, text: &str) -> String {
        t.converter.convert(text)
    }

    #[test]
    fn skipping_gives_what_whole_text_conversion_gives() {
        let t = TraditionalToSimplified::new().unwrap();
        let keys: Vec<&str> = keys().collect();
        // Every key alone, between plain characters, and all keys run together so that
        // neighbouring keys compete for the same characters.
        for k in &keys {
            assert_eq!(t.normalize(k), whole(&t, k), "{k}");
            let framed = format!("企业{k}反映，{k}");
            assert_eq!(t.normalize(&framed), whole(&t, &framed), "{framed}");
        }
        let joined = keys.concat();
        assert_eq!(t.normalize(&joined), whole(&t, &joined));
        let corpus = include_str!("../../corpora/suggestions.csv");
        // Twice: the second time most stretches come from the memo, and keys have taken slots.
        for _ in 0..2 {
            for line in corpus.lines() {
                assert_eq!(t.normalize(line), whole(&t, line), "{line}");
            }
        }
        for text in [
            "乾隆年間穿著乾淨的衣服",
            "著名的著作",
            "一併處理，併購重組",
            "",
            "abc",
        ] {
            assert_eq!(t.normalize(text), whole(&t, text), "{text}");
        }
    }

    #[test]
    fn shipped_keys_cover_every_character_opencc_changes() {
        // A character that starts no shipped key must be one OpenCC leaves alone; this fails
        // when an upgraded ferrous-opencc brings tables the shipped keys do not match.
        let t = TraditionalToSimplified::new().unwrap();
        for c in (0..0x3_0000).filter_map(char::from_u32) {
            if !t.starts.contains(c) {
                let s = c.to_string();
                assert_eq!(t.converter.convert(&s), s, "U+{:04X}", c as u32);
            }
        }
    }
}
