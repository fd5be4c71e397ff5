//! Normalize: brings every text to one form before segmentation — Simplified script, half-width
//! letters and digits, single spaces — so that 貸款 and 贷款, ５００ and 500 are the same words.

mod script;
mod whitespace;
mod width;

pub use script::TraditionalToSimplified;
pub use whitespace::CollapseWhitespace;
pub use width::FullWidthToHalfWidth;

/// One normalization step.
pub trait Normalizer: Send + Sync {
    fn normalize(&self, text: &str) -> String;
}

/// The normalizers qingdan applies, in order.
pub struct TextNormalizer {
    steps: Vec<Box<dyn Normalizer>>,
}

impl TextNormalizer {
    /// Width, then script, then whitespace.
    pub fn new() -> crate::Result<Self> {
        Ok(TextNormalizer {
            steps: vec![
                Box::new(FullWidthToHalfWidth),
                Box::new(TraditionalToSimplified::new()?),
                Box::new(CollapseWhitespace),
            ],
        })
    }

    /// A suggestion's text or title.
    pub fn text(&self, text: &str) -> String {
        self.steps
            .iter()
            .fold(text.to_string(), |acc, step| step.normalize(&acc))
    }

    /// A search query: each space-separated part normalized as text on its own, the parts kept
    /// apart by one space. As text, “懒政怠政 嘉雨” would become “懒政怠政嘉雨” (a line break
    /// inside Chinese is layout), and jieba could cut a word across the join.
    pub fn query(&self, query: &str) -> String {
        let parts: Vec<String> = query
            .split_whitespace()
            .map(|part| self.text(part))
            .filter(|part| !part.is_empty())
            .collect();
        parts.join(" ")
    }

    /// An enterprise, channel or region name: as text, and also without inner spaces and with
    /// ASCII brackets, so “恒通物流（江城）有限公司” and “恒通物流(江城) 有限公司” are one enterprise.
    pub fn name(&self, name: &str) -> String {
        self.text(name)
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                c => c,
            })
            .collect()
    }
}

impl Normalizer for TextNormalizer {
    fn normalize(&self, text: &str) -> String {
        self.text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_script_width_and_space() {
        let n = TextNormalizer::new().unwrap();
        assert_eq!(
            n.text("  希望銀行降低貸款門檻，\n額度提高到５００萬元　ＥＲＰ  "),
            "希望银行降低贷款门槛，额度提高到500万元 ERP"
        );
    }

    #[test]
    fn names_ignore_spaces_and_bracket_width() {
        let n = TextNormalizer::new().unwrap();
        assert_eq!(
            n.name("恒通物流（江城） 有限公司"),
            n.name("恒通物流(江城)有限公司")
        );
    }

    #[test]
    fn query_words_stay_apart() {
        let n = TextNormalizer::new().unwrap();
        assert_eq!(n.text("懒政怠政 嘉雨"), "懒政怠政嘉雨");
        assert_eq!(
            n.query("  懶政怠政\u{3000} 嘉雨  ＥＲＰ "),
            "懒政怠政 嘉雨 ERP"
        );
        assert_eq!(n.query(" \t "), "");
    }
}
