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
    let mut chars = text.chars().filter(|c| c.is_alphanumeric());
    if let Some(mut prev) = chars.next() {
        for c in chars {
            out.push(((prev as u64) << 32) | c as u64);
            prev = c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_skip_punctuation() {
        let pack = |a: char, b: char| ((a as u64) << 32) | b as u64;
        assert_eq!(
            char_bigrams("贷款，难"),
            vec![pack('贷', '款'), pack('款', '难')]
        );
    }
}
