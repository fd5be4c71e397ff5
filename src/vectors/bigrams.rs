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

/// [`char::is_alphanumeric`], answered at once for ASCII and the common CJK ideographs (all
/// letters) rather than through the Unicode tables' search: every character of every text is
/// asked, several times.
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || ('\u{4E00}'..='\u{9FFF}').contains(&c)
        || (!c.is_ascii() && c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_letter_test_agrees_with_unicode() {
        for c in ('\u{0}'..='\u{FFFF}').chain(['\u{20000}', '\u{1F600}']) {
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
