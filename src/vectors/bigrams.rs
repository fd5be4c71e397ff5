//! Character bigrams: every two adjacent letters, digits or Chinese characters of a text, packed
//! into one number. They catch shared wording that segmentation splits differently.

/// Character bigrams of a text's letters, digits and Chinese characters (punctuation and spaces
/// are skipped), each packed into one number: they catch shared wording that segmentation splits
/// differently, without a string per bigram.
pub fn char_bigrams(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    push_char_bigrams(text, &mut out);
    out
}

/// [`char_bigrams`], appended to `out`.
pub fn push_char_bigrams(text: &str, out: &mut Vec<u64>) {
    let mut chars = text.chars().filter(|&c| is_alphanumeric(c));
    if let Some(mut prev) = chars.next() {
        for c in chars {
            out.push(((prev as u64) << 32) | c as u64);
            prev = c;
        }
    }
}

/// [`char::is_alphanumeric`], answered from a table for the Basic Multilingual Plane rather
/// than through the Unicode tables' search: every character of every text is asked, several
/// times, and Chinese punctuation (、。“”) missed the quick tests for ASCII and ideographs.
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    let code = c as u32;
    if code < 0x1_0000 {
        let table: &[u64; BMP_WORDS] = &BMP_ALPHANUMERIC;
        (table[(code / 64) as usize] >> (code % 64)) & 1 == 1
    } else {
        c.is_alphanumeric()
    }
}

const BMP_WORDS: usize = 0x1_0000 / 64;

/// One bit per character of the Basic Multilingual Plane: is it a letter or a digit (8 KiB,
/// made once from [`char::is_alphanumeric`]).
static BMP_ALPHANUMERIC: std::sync::LazyLock<Box<[u64; BMP_WORDS]>> =
    std::sync::LazyLock::new(|| {
        let mut table = Box::new([0u64; BMP_WORDS]);
        for c in (0..0x1_0000u32).filter_map(char::from_u32) {
            if c.is_alphanumeric() {
                table[(c as u32 / 64) as usize] |= 1 << (c as u32 % 64);
            }
        }
        table
    });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_letter_test_agrees_with_unicode() {
        for c in ('\u{0}'..='\u{FFFF}').chain(['\u{10000}', '\u{20000}', '\u{1F600}']) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn bigrams_skip_punctuation() {
        let pack = |a: char, b: char| ((a as u64) << 32) | b as u64;
        assert_eq!(
            char_bigrams("贷款，难"),
            vec![pack('贷', '款'), pack('款', '难')]
        );
    }
}
