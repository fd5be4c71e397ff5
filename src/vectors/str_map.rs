//! A map keyed by strings that holds a short key in the table itself, as a number.
//!
//! Every word of every text is looked up in a few such maps (stop words, synonyms, topic seed
//! terms, the merge's vocabulary). Keyed by `String`, a lookup follows the stored key's pointer
//! and compares bytes there: at 100k items, those comparisons (`memcmp`, mostly waiting for the
//! key's memory) were a tenth of the analysis. Almost every Chinese word fits in 15 bytes (five
//! characters), so it is kept as a `u128`, compared in two instructions; longer keys go to an
//! ordinary map beside it.

use super::FxMap;

/// Keys up to this many bytes are held as numbers.
const SHORT: usize = 15;

/// A string key packed into a number: its bytes, zero-padded, and its length in the last byte
/// (so "a" and "a\0" differ). `None` when it is longer than [`SHORT`].
fn pack(key: &str) -> Option<u128> {
    let len = key.len();
    (len <= SHORT).then(|| load(key.as_bytes()) | (len as u128) << (8 * SHORT))
}

/// Up to [`SHORT`] bytes as a number, byte `i` at byte `i`, zero-padded.
///
/// The bytes are read as two overlapping words, not copied into a buffer: a copy of a variable
/// length, read back as a number, stalled every lookup (a quarter of the time of interning).
#[inline]
fn load(b: &[u8]) -> u128 {
    let len = b.len();
    debug_assert!(len <= SHORT);
    // Each arm places b[i] at byte i; where the two words overlap they hold the same bytes.
    match len {
        0 => 0,
        1..=3 => {
            let at = |i: usize| u128::from(b[i]) << (8 * i);
            at(0) | at(len / 2) | at(len - 1)
        }
        4..=7 => {
            let word =
                |i: usize| u128::from(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
            word(0) | word(len - 4) << (8 * (len - 4))
        }
        _ => {
            let word = |i: usize| {
                let mut w = [0u8; 8];
                w.copy_from_slice(&b[i..i + 8]);
                u128::from(u64::from_le_bytes(w))
            };
            word(0) | word(len - 8) << (8 * (len - 8))
        }
    }
}

/// The string a [`pack`]ed key holds.
fn unpack(key: u128) -> String {
    let buf = key.to_le_bytes();
    let len = usize::from(buf[SHORT]);
    String::from_utf8(buf[..len].to_vec()).expect("packed from a str")
}

/// A map from strings to `V` ([`FxMap`]'s fixed-key hasher, so runs are identical). Its
/// entries come out in no particular order ([`StrMap::into_entries`]).
#[derive(Debug, Clone)]
pub struct StrMap<V> {
    short: FxMap<u128, V>,
    long: FxMap<Box<str>, V>,
    /// With [`StrMap::screened`]: one bit per hashed start of a key (see [`screen_bit`]).
    starts: Option<Box<[u64]>>,
}

/// Bits in a [`StrMap::screened`] map's screen: 8 KiB, which stays in cache.
const SCREEN_BITS: usize = 1 << 16;

/// The screen's bit for a key: its first eight bytes (a Chinese word's first two characters
/// and more), or all of a shorter one, hashed. A word's first character alone let most words
/// through: stop words and topic terms start with the commonest characters.
fn screen_bit(key: &str) -> usize {
    let b = key.as_bytes();
    let start = load(&b[..b.len().min(8)]) as u64;
    (start.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize % SCREEN_BITS
}

/// Equal entries, screened or not.
impl<V: PartialEq> PartialEq for StrMap<V> {
    fn eq(&self, other: &Self) -> bool {
        self.short == other.short && self.long == other.long
    }
}

impl<V> Default for StrMap<V> {
    fn default() -> Self {
        StrMap {
            short: FxMap::default(),
            long: FxMap::default(),
            starts: None,
        }
    }
}

impl<V> StrMap<V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The map with a screen that answers most absent keys before any hashing: for small maps
    /// asked about every word of every text (stop words, synonyms, topic terms), where most
    /// words begin differently from every key.
    pub fn screened(mut self) -> Self {
        let keys: Vec<String> = (self.short.keys().map(|&k| unpack(k)))
            .chain(self.long.keys().map(|k| k.to_string()))
            .collect();
        self.starts = Some(vec![0u64; SCREEN_BITS / 64].into_boxed_slice());
        for key in &keys {
            self.screen_in(key);
        }
        self
    }

    /// Whether the screen (if any) lets `key` through.
    #[inline]
    fn may_hold(&self, key: &str) -> bool {
        self.starts.as_ref().is_none_or(|starts| {
            let bit = screen_bit(key);
            starts[bit / 64] >> (bit % 64) & 1 == 1
        })
    }

    /// Marks `key`'s start in the screen (if any).
    fn screen_in(&mut self, key: &str) {
        if let Some(starts) = &mut self.starts {
            let bit = screen_bit(key);
            starts[bit / 64] |= 1 << (bit % 64);
        }
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        if !self.may_hold(key) {
            return None;
        }
        match pack(key) {
            Some(k) => self.short.get(&k),
            None => self.long.get(key),
        }
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key`'s value, giving the one it replaces.
    pub fn insert(&mut self, key: &str, value: V) -> Option<V> {
        self.screen_in(key);
        match pack(key) {
            Some(k) => self.short.insert(k, value),
            None => self.long.insert(key.into(), value),
        }
    }

    /// `key`'s value, made by `make` first when it has none.
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> V) -> &mut V {
        self.screen_in(key);
        match pack(key) {
            Some(k) => self.short.entry(k).or_insert_with(make),
            None => {
                // Looked up before a key is made: a long key already there allocates nothing.
                if !self.long.contains_key(key) {
                    self.long.insert(key.into(), make());
                }
                self.long.get_mut(key).expect("present or just inserted")
            }
        }
    }

    pub fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every key and its value, in no particular order.
    pub fn into_entries(self) -> impl Iterator<Item = (String, V)> {
        let short = self.short.into_iter().map(|(k, v)| (unpack(k), v));
        short.chain(self.long.into_iter().map(|(k, v)| (k.into_string(), v)))
    }
}

impl<S: AsRef<str>, V> FromIterator<(S, V)> for StrMap<V> {
    /// Later values of a repeated key replace earlier ones, as in a `HashMap`.
    fn from_iter<I: IntoIterator<Item = (S, V)>>(pairs: I) -> Self {
        let mut map = StrMap::new();
        for (k, v) in pairs {
            map.insert(k.as_ref(), v);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_keys_are_found_and_kept_apart() {
        let keys = [
            "",
            "a",
            "a\0",
            "融资",
            "贷款难融资难",     // 18 bytes: long
            "贷款难融资",       // 15 bytes: the longest short key
            "贷款难融资\0",     // 16 bytes: long, and not the one before
            "abcdefghijklmno",  // 15
            "abcdefghijklmnop", // 16
        ];
        let mut map: StrMap<usize> = StrMap::new();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(map.insert(k, i), None, "{k:?} new");
        }
        assert_eq!(map.len(), keys.len());
        assert_eq!(map.long.len(), 3);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(map.get(k), Some(&i), "{k:?}");
        }
        for absent in ["b", "融", "贷款难融资难!", "abcdefghijklmn"] {
            assert!(!map.contains_key(absent), "{absent:?}");
        }
        assert_eq!(map.insert("融资", 99), Some(3));
        *map.get_or_insert_with("贷款难融资难", || 0) += 100;
        assert_eq!(map.get("贷款难融资难"), Some(&104));
        assert_eq!(*map.get_or_insert_with("新词", || 7), 7);
        assert_eq!(*map.get_or_insert_with("新新新新新新词", || 8), 8);
        assert_eq!(map.len(), keys.len() + 2);
        let mut entries: Vec<(String, usize)> = map.into_entries().collect();
        entries.sort();
        let mut want: Vec<(String, usize)> = keys.iter().map(|k| k.to_string()).zip(0..).collect();
        want[3].1 = 99;
        want[4].1 = 104;
        want.extend([("新词".to_string(), 7), ("新新新新新新词".to_string(), 8)]);
        want.sort();
        assert_eq!(entries, want);
    }

    #[test]
    fn a_screened_map_answers_as_the_map() {
        let keys = [
            "",
            "a",
            "ab",
            "的",
            "融资",
            "贷款难融资难",
            "abcdefghijklmnop",
            "erp",
        ];
        let plain: StrMap<usize> = keys.iter().zip(0..).map(|(k, i)| (*k, i)).collect();
        // Screened once filled, and filled once screened (by both ways of adding a key).
        let after = plain.clone().screened();
        let mut before: StrMap<usize> = StrMap::new().screened();
        for (i, k) in keys.iter().enumerate() {
            match i % 2 {
                0 => drop(before.insert(k, i)),
                _ => *before.get_or_insert_with(k, || 0) = i,
            }
        }
        assert!(
            plain == after && plain == before,
            "equal entries, screened or not"
        );
        let text = "希望企业的贷款难融资难问题erp系统得到解决abcdefghijklmnop";
        let mut asked = 0;
        for (start, _) in text.char_indices() {
            for end in (start + 1..=text.len()).filter(|&e| text.is_char_boundary(e)) {
                let word = &text[start..end];
                for screened in [&after, &before] {
                    assert_eq!(screened.get(word), plain.get(word), "{word:?}");
                }
                asked += 1;
            }
        }
        for k in keys {
            assert_eq!(after.get(k), plain.get(k), "{k:?}");
            assert_eq!(before.get(k), plain.get(k), "{k:?}");
        }
        assert!(asked > 500, "{asked}");
        // A word that shares only its first character with a key is screened out.
        assert!(after.may_hold("融资") && !after.may_hold("融合"));
    }

    #[test]
    fn a_packed_key_is_its_bytes_and_its_length() {
        let text = "贷款难融资难abcdefghij\0k";
        let bytes = text.as_bytes();
        for start in 0..bytes.len() {
            for end in start..=bytes.len() {
                let Ok(key) = std::str::from_utf8(&bytes[start..end]) else {
                    continue;
                };
                let mut buf = [0u8; 16];
                let packed = (key.len() <= SHORT).then(|| {
                    buf[..key.len()].copy_from_slice(key.as_bytes());
                    buf[SHORT] = key.len() as u8;
                    u128::from_le_bytes(buf)
                });
                assert_eq!(pack(key), packed, "{key:?}");
                if let Some(p) = packed {
                    assert_eq!(unpack(p), key);
                }
            }
        }
    }

    #[test]
    fn collected_pairs_keep_the_last_value() {
        let map: StrMap<u32> = [("用地", 1), ("厂房", 2), ("用地", 3)]
            .into_iter()
            .collect();
        assert_eq!(map.len(), 2);
        assert_eq!(map.get("用地"), Some(&3));
    }
}
