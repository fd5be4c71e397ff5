//! Full-width letters, digits and number signs to ASCII. Chinese punctuation (，。：（）) stays:
//! it is how the text reads, and segmentation treats both forms alike.

use super::Normalizer;

/// Maps ０-９, Ａ-Ｚ, ａ-ｚ, ％＋－．／ and the ideographic space to their ASCII forms.
pub struct FullWidthToHalfWidth;

impl Normalizer for FullWidthToHalfWidth {
    fn normalize(&self, text: &str) -> String {
        // Every character it maps starts with byte 0xEF (U+F000–U+FFFF) or 0xE3 (U+3000–U+3FFF),
        // lead bytes that only ever start a character: the runs between them are copied whole.
        let mut out = String::with_capacity(text.len());
        let mut done = 0;
        for at in memchr::memchr2_iter(0xEF, 0xE3, text.as_bytes()) {
            let Some(c) = text[at..].chars().next() else {
                break;
            };
            let mapped = half_width(c);
            if mapped != c {
                out.push_str(&text[done..at]);
                out.push(mapped);
                done = at + c.len_utf8();
            }
        }
        out.push_str(&text[done..]);
        out
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

    #[test]
    fn maps_as_the_character_by_character_definition_does() {
        let naive = |t: &str| t.chars().map(half_width).collect::<String>();
        // Every character with a lead byte of 0xE3 or 0xEF, between others of every length.
        let lead: String = ('\u{3000}'..='\u{3FFF}')
            .chain('\u{F000}'..='\u{FFFD}')
            .collect();
        let texts = [
            lead.clone(),
            lead.chars()
                .flat_map(|c| [c, 'a', '贷', 'é', '😀'])
                .collect(),
            "　ＩＳＯ９００１，５０％。贷款难（融资）／ＡＢｃ＃＆－．＋".to_string(),
            "没有全角字符".to_string(),
            String::new(),
        ];
        for t in &texts {
            assert_eq!(FullWidthToHalfWidth.normalize(t), naive(t));
        }
    }
}
