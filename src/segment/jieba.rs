//! jieba-rs behind the [`Segmenter`] trait. One `Jieba` is built per run and shared by every
//! thread (it is `Send + Sync`); it holds jieba's dictionary plus our domain dictionary.

use std::io::BufReader;

use jieba_rs::Jieba;

use super::{Segmenter, Span};
use crate::{Error, Result};

/// jieba with qingdan's user dictionary and any extra words (e.g. the taxonomy's terms).
pub struct JiebaSegmenter {
    jieba: Jieba,
}

impl JiebaSegmenter {
    /// Builds jieba's default dictionary plus `user_dict` (jieba format, every line with a
    /// frequency) and `extra_words`, which get a frequency high enough to stay whole.
    pub fn new<'w>(
        user_dict: &str,
        user_dict_name: &str,
        extra_words: impl IntoIterator<Item = &'w str>,
    ) -> Result<Self> {
        let mut jieba = Jieba::new();
        // jieba's loader knows no comments; our dictionary files do.
        let entries: String = user_dict
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .flat_map(|l| [l.trim(), "\n"])
            .collect();
        jieba
            .load_dict(&mut BufReader::new(entries.as_bytes()))
            .map_err(|e| Error::Dict {
                file: user_dict_name.to_string(),
                line: 0,
                reason: e.to_string(),
            })?;
        for word in extra_words {
            if !jieba.has_word(word) {
                // suggest_freq gives the frequency at which jieba would keep the word whole.
                let freq = jieba.suggest_freq(word).max(1000);
                jieba.add_word(word, Some(freq), None);
            }
        }
        Ok(JiebaSegmenter { jieba })
    }
}

impl Segmenter for JiebaSegmenter {
    fn segment<'a>(&self, text: &'a str) -> Vec<Span<'a>> {
        let mut spans: Vec<Span<'a>> = self
            .jieba
            .cut_for_search(text, true)
            .into_iter()
            .map(|t| Span {
                word: t.word,
                start: t.byte_start,
                end: t.byte_end,
            })
            .collect();
        // Search mode emits a long word after its parts; text order makes positions meaningful.
        sort_nearly_sorted(&mut spans);
        spans
    }

    fn cut<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }
}

/// Sorts spans by (start, end) by insertion: search mode's words are in text order but for each
/// long word and its parts, so every span moves a few places at most (a general sort was 4% of
/// the analysis). Equal keys are the same span, so the order is the one any sort gives.
fn sort_nearly_sorted(spans: &mut [Span]) {
    for i in 1..spans.len() {
        let mut j = i;
        while j > 0 && (spans[j - 1].start, spans[j - 1].end) > (spans[j].start, spans[j].end) {
            spans.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_words_stay_whole() {
        let plain = JiebaSegmenter::new("", "none", []).unwrap();
        let with =
            JiebaSegmenter::new("# 注释\n无还本续贷 20000 n\n", "user.dict", ["过桥资金"]).unwrap();
        let text = "希望推广无还本续贷，减少过桥资金";
        assert!(!plain.cut(text).contains(&"无还本续贷"));
        let words = with.cut(text);
        assert!(words.contains(&"无还本续贷"), "{words:?}");
        assert!(words.contains(&"过桥资金"), "{words:?}");
    }

    #[test]
    fn spans_come_sorted_as_a_general_sort_sorts_them() {
        let s = JiebaSegmenter::new("", "none", []).unwrap();
        let corpus = include_str!("../../corpora/suggestions.csv");
        for line in corpus.lines() {
            let mut expected: Vec<(usize, usize)> = s
                .jieba
                .cut_for_search(line, true)
                .iter()
                .map(|t| (t.byte_start, t.byte_end))
                .collect();
            expected.sort();
            let got: Vec<(usize, usize)> =
                s.segment(line).iter().map(|w| (w.start, w.end)).collect();
            assert_eq!(got, expected, "{line}");
        }
    }

    #[test]
    fn spans_point_into_the_text() {
        let s = JiebaSegmenter::new("", "none", []).unwrap();
        let text = "融资担保费用偏高";
        for span in s.segment(text) {
            assert_eq!(&text[span.start..span.end], span.word);
        }
    }
}

#[cfg(test)]
mod snapshot {
    use crate::dicts::Dicts;
    use crate::segment::{JiebaSegmenter, Segmenter};

    /// How the shipped dictionaries cut typical suggestions; a change here changes topics and merges.
    #[test]
    fn cuts_domain_sentences_with_shipped_dictionary() {
        let d = Dicts::embedded().unwrap();
        let s = JiebaSegmenter::new(&d.user_dict, "user.dict", d.taxonomy.terms()).unwrap();
        let sentences = [
            "希望推广无还本续贷，减少企业过桥资金成本",
            "专精特新企业首贷难，银行要求不动产抵押",
            "工业用地指标紧张，标准厂房租金偏高",
            "节后招工难，一线普工流失严重，希望建设人才公寓",
            "峰谷电价调整后用电成本上升，报装接电时间长",
            "货车限行，冷链物流车辆通行证难办",
            "研发费用加计扣除和留抵退税政策落实",
            "政府部门拖欠账款，中小企业回款难",
        ];
        let cut: Vec<String> = sentences.iter().map(|t| s.cut(t).join(" / ")).collect();
        insta::assert_snapshot!(cut.join("\n"));
    }
}
