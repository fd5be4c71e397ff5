//! Numbers for the character bigrams of a collection, in bigram order, without a hash map.
//!
//! Each character the bigrams hold gets a number in code-point order, and a bigram becomes the
//! pair of its characters' numbers: one place in a table with a bit for every possible pair. A
//! bigram's number is how many pairs present come before its place, counted a word of bits at a
//! time. Pairs are ordered as bigrams are (first character, then second), so the numbers are the
//! ones sorting the distinct bigrams would give. A few thousand characters make a table of a few
//! megabytes that stays in the cache, unlike a map of every distinct bigram, and every bigram of
//! every text is numbered when the merge packs its character vectors.

/// More distinct characters than this and the table of pairs would pass 32 MiB: the caller
/// falls back to a map.
const MAX_CHARS: usize = 16_384;

/// Code points run below this.
const CODE_POINTS: usize = 0x11_0000;

/// The bigrams of a collection, numbered in bigram order.
pub(super) struct BigramIds {
    /// Each character's number, by code point (`u32::MAX`: in no bigram).
    char_ids: Vec<u32>,
    /// The characters' code points, by number.
    chars: Vec<u32>,
    /// A bit per pair of character numbers: does a bigram of the collection make it.
    present: Vec<u64>,
    /// Bits set in the words of `present` before each.
    before: Vec<u32>,
}

impl BigramIds {
    /// The numbers of `bigrams` (read twice), distinct and sorted (as [`super::push_char_bigrams`] packs
    /// them: first character in the high half); `None` when they hold more than [`MAX_CHARS`]
    /// distinct characters, or a half that is no code point.
    pub fn of_sorted(bigrams: impl Iterator<Item = u64> + Clone) -> Option<Self> {
        let halves = |b: u64| [(b >> 32) as usize, (b & 0xffff_ffff) as usize];
        let mut seen = vec![0u64; CODE_POINTS.div_ceil(64)];
        for c in bigrams.clone().flat_map(halves) {
            *seen.get_mut(c / 64)? |= 1 << (c % 64);
        }
        let chars: Vec<u32> = set_bits(&seen).map(|c| c as u32).collect();
        if chars.len() > MAX_CHARS {
            return None;
        }
        let mut char_ids = vec![u32::MAX; chars.last().map_or(0, |&c| c as usize + 1)];
        for (id, &c) in chars.iter().enumerate() {
            char_ids[c as usize] = id as u32;
        }
        let mut ids = BigramIds {
            present: vec![0u64; (chars.len() * chars.len()).div_ceil(64)],
            char_ids,
            chars,
            before: Vec::new(),
        };
        for bigram in bigrams {
            let place = ids.place(bigram);
            ids.present[place / 64] |= 1 << (place % 64);
        }
        let mut count = 0u32;
        ids.before = ids
            .present
            .iter()
            .map(|w| {
                let at = count;
                count += w.count_ones();
                at
            })
            .collect();
        Some(ids)
    }

    /// The number of a bigram of the collection.
    #[inline]
    pub fn id(&self, bigram: u64) -> u32 {
        let place = self.place(bigram);
        let (word, bit) = (place / 64, place % 64);
        self.before[word] + (self.present[word] & ((1u64 << bit) - 1)).count_ones()
    }

    /// A bigram's place in the table: its first character's number, then its second's.
    #[inline]
    fn place(&self, bigram: u64) -> usize {
        let first = self.char_ids[(bigram >> 32) as usize] as usize;
        let second = self.char_ids[(bigram & 0xffff_ffff) as usize] as usize;
        first * self.chars.len() + second
    }
}

/// The places of the set bits, in order.
fn set_bits(bits: &[u64]) -> impl Iterator<Item = usize> + '_ {
    bits.iter().enumerate().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let bit = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                w * 64 + bit
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::super::{char_bigrams, push_char_bigrams};
    use super::*;

    #[test]
    fn numbers_are_the_ranks_of_the_sorted_distinct_bigrams() {
        let texts = [
            "银行贷款难，贷款利率高",
            "ERP系统贷款",
            "𠀀字表外𠀁",
            "a",
            "",
        ];
        let mut sorted: Vec<u64> = Vec::new();
        for text in texts {
            push_char_bigrams(text, &mut sorted);
        }
        sorted.sort_unstable();
        sorted.dedup();
        let ids = BigramIds::of_sorted(sorted.iter().copied()).expect("few characters");
        for (rank, &bigram) in sorted.iter().enumerate() {
            assert_eq!(ids.id(bigram), rank as u32);
        }
    }

    #[test]
    fn too_many_characters_give_none() {
        let text: String = (0..MAX_CHARS as u32 + 2)
            .filter_map(|k| char::from_u32(0x4E00 + k))
            .collect();
        let mut bigrams = char_bigrams(&text);
        bigrams.sort_unstable();
        assert!(BigramIds::of_sorted(bigrams.into_iter()).is_none());
        assert!(BigramIds::of_sorted(std::iter::empty()).is_some());
        assert!(BigramIds::of_sorted(std::iter::once((0x11_0000 << 32) | 0x4E00)).is_none());
    }
}
