//! Whitespace: runs of spaces, tabs and line breaks become one space; ends are trimmed.

use super::Normalizer;

/// Collapses whitespace runs to a single space and trims.
pub struct CollapseWhitespace;

impl Normalizer for CollapseWhitespace {
    fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for word in text.split_whitespace() {
            if !out.is_empty() {
                // Around Chinese text and punctuation a break is layout, not a word boundary.
                let prev = out.chars().last().unwrap_or(' ');
                let next = word.chars().next().unwrap_or(' ');
                let joined = (is_ideograph(prev) || is_cjk_punct(prev))
                    && (is_ideograph(next) || is_cjk_punct(next));
                if !(joined || is_cjk_punct(prev) || is_cjk_punct(next)) {
                    out.push(' ');
                }
            }
            out.push_str(word);
        }
        out
    }
}

fn is_ideograph(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

/// Chinese punctuation: 、。「」 and the full-width forms ，：；！？（）.
fn is_cjk_punct(c: char) -> bool {
    ('\u{3000}'..='\u{303F}').contains(&c) || ('\u{FF00}'..='\u{FFEF}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_runs_and_joins_broken_chinese_lines() {
        assert_eq!(
            CollapseWhitespace.normalize("  贷款\n 难，  ERP  系统\t"),
            "贷款难，ERP 系统"
        );
        assert_eq!(
            CollapseWhitespace.normalize("use  ERP\nsystem"),
            "use ERP system"
        );
    }
}
