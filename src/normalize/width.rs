//! Full-width letters, digits and number signs to ASCII. Chinese punctuation (，。：（）) stays:
//! it is how the text reads, and segmentation treats both forms alike.

use super::Normalizer;

/// Maps ０-９, Ａ-Ｚ, ａ-ｚ, ％＋－．／ and the ideographic space to their ASCII forms.
pub struct FullWidthToHalfWidth;

impl Normalizer for FullWidthToHalfWidth {
    fn normalize(&self, text: &str) -> String {
        text.chars().map(half_width).collect()
    }
}

fn half_width(c: char) -> char {
    match c {
        '０'..='９'
        | 'Ａ'..='Ｚ'
        | 'ａ'..='ｚ'
        | '％'
        | '＋'
        | '－'
        | '．'
        | '／'
        | '＆'
        | '＃' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_letters_digits_keeps_punctuation() {
        assert_eq!(
            FullWidthToHalfWidth.normalize("ＩＳＯ９００１，５０％"),
            "ISO9001，50%"
        );
    }
}
