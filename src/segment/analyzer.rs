//! From words to terms: lower-case, drop stop words and punctuation, map synonyms to their
//! canonical form (贷款 → 融资), keeping each term's place in the text for highlighting.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{Segmenter, Span, Terms, WordSpans};
use crate::vectors::{is_alphanumeric, StrMap};

/// A term of a text: its canonical form and where its surface form stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedToken {
    pub term: String,
    pub start: usize,
    pub end: usize,
}

/// Segmenter + stop words + synonyms: the one way qingdan turns text into terms.
pub struct Analyzer {
    segmenter: Arc<dyn Segmenter>,
    // Every word of every text is looked up in both: short words are keys held as numbers.
    stopwords: StrMap<()>,
    synonyms: StrMap<String>,
}

impl Analyzer {
    pub fn new(
        segmenter: Arc<dyn Segmenter>,
        stopwords: HashSet<String>,
        synonyms: HashMap<String, String>,
    ) -> Self {
        Analyzer {
            segmenter,
            stopwords: stopwords
                .into_iter()
                .map(|w| (w, ()))
                .collect::<StrMap<()>>()
                .screened(),
            synonyms: synonyms.into_iter().collect::<StrMap<String>>().screened(),
        }
    }

    /// The segmenter underneath (for plain cuts).
    pub fn segmenter(&self) -> &dyn Segmenter {
        self.segmenter.as_ref()
    }

    /// The surface words of a text that carry meaning (no stop words, no punctuation), lower-case.
    pub fn words(&self, text: &str) -> Terms {
        self.spans(text)
            .map(|(span, lower)| lower.map_or(Cow::Borrowed(span.word), Cow::Owned))
            .collect()
    }

    /// The terms of a text with their byte ranges; synonyms are mapped to their canonical form.
    pub fn tokens(&self, text: &str) -> Vec<AnalyzedToken> {
        self.term_spans(text)
            .map(|(term, start, end)| AnalyzedToken {
                term: term.into_owned(),
                start,
                end,
            })
            .collect()
    }

    /// [`Analyzer::tokens`] as (term, start, end), each term borrowed from the text or the
    /// synonyms where it can be (only a lower-cased word is new), for callers that copy it anyway.
    pub fn term_spans<'a>(
        &'a self,
        text: &'a str,
    ) -> impl Iterator<Item = (Cow<'a, str>, usize, usize)> + 'a {
        self.spans(text)
            .map(|(span, lower)| (self.term(span.word, lower), span.start, span.end))
    }

    /// Where the words [`Analyzer::words`] gives stand in the text: kept, they give the same
    /// words and terms again without cutting the text ([`Analyzer::words_at`],
    /// [`Analyzer::term_spans_at`]).
    pub fn word_spans(&self, text: &str) -> WordSpans {
        WordSpans::from_spans(self.spans(text).map(|(s, _)| (s.start, s.end)))
    }

    /// [`Analyzer::words`] and [`Analyzer::word_spans`] of a text from one pass over its cut:
    /// the words the spans give again through [`Analyzer::words_at`].
    pub fn words_and_spans(&self, text: &str) -> (Terms, WordSpans) {
        let mut words = Terms::new();
        let spans = WordSpans::from_spans(self.spans(text).map(|(span, lower)| {
            words.push(lower.as_deref().unwrap_or(span.word));
            (span.start, span.end)
        }));
        (words, spans)
    }

    /// [`Analyzer::words`] of `text`, read at the `spans` [`Analyzer::word_spans`] found in it.
    pub fn words_at(&self, text: &str, spans: &WordSpans) -> Terms {
        spans_in(text, spans.iter())
            .map(|(word, _, _)| lowercase(word).map_or(Cow::Borrowed(word), Cow::Owned))
            .collect()
    }

    /// [`Analyzer::term_spans`] of `text`, read at the `spans` [`Analyzer::word_spans`] found
    /// in it (a [`WordSpans`], borrowed or owned). A span that does not fit the text is left out.
    pub fn term_spans_at<'a>(
        &'a self,
        text: &'a str,
        spans: impl IntoIterator<Item = (usize, usize)> + 'a,
    ) -> impl Iterator<Item = (Cow<'a, str>, usize, usize)> + 'a {
        spans_in(text, spans)
            .map(|(word, start, end)| (self.term(word, lowercase(word)), start, end))
    }

    /// A word's term: its lower-case form (`lower`, when it has upper-case letters), mapped
    /// to its synonyms' canonical form.
    fn term<'a>(&'a self, word: &'a str, lower: Option<String>) -> Cow<'a, str> {
        match self.synonyms.get(lower.as_deref().unwrap_or(word)) {
            Some(canonical) => Cow::Borrowed(canonical.as_str()),
            None => lower.map_or(Cow::Borrowed(word), Cow::Owned),
        }
    }

    /// The canonical terms of a text, in order.
    pub fn terms(&self, text: &str) -> Vec<String> {
        self.tokens(text).into_iter().map(|t| t.term).collect()
    }

    /// The canonical form of a word.
    pub fn canonical<'a>(&'a self, word: &'a str) -> &'a str {
        self.synonyms.get(word).map(String::as_str).unwrap_or(word)
    }

    /// Whether a word is a stop word.
    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains_key(word)
    }

    fn spans<'a>(&'a self, text: &'a str) -> impl Iterator<Item = (Span<'a>, Option<String>)> + 'a {
        self.segmenter
            .segment(text)
            .into_iter()
            .filter(|s| s.word.chars().any(is_alphanumeric))
            .filter_map(|s| {
                let lower = lowercase(s.word);
                let key = lower.as_deref().unwrap_or(s.word);
                (!self.stopwords.contains_key(key)).then_some((s, lower))
            })
    }
}

/// A word in lower case, when it has upper-case (ASCII) letters.
fn lowercase(word: &str) -> Option<String> {
    word.bytes()
        .any(|b| b.is_ascii_uppercase())
        .then(|| word.to_ascii_lowercase())
}

/// The words of `text` at `spans`, with their ranges; a span that does not fit is skipped.
fn spans_in<'a>(
    text: &'a str,
    spans: impl IntoIterator<Item = (usize, usize)> + 'a,
) -> impl Iterator<Item = (&'a str, usize, usize)> + 'a {
    spans
        .into_iter()
        .filter_map(|(start, end)| Some((text.get(start..end)?, start, end)))
}

/// Whether a word only states a quantity in Chinese numerals — 四十多, 十几万, 两个, 第一次, 半年.
/// Two paraphrases of one problem rarely give the same figures, and such words are frequent
/// enough in every text to pull unrelated items together, so merging leaves them out (digits
/// stay: they are rarer and often an identifier, such as a year or a contract sum).
pub fn is_quantity(word: &str) -> bool {
    // Characters matched by `matches!`, not searched for in a string or an array: every term of
    // every item is tested (a search of a string's UTF-8 was 4% of the analysis).
    const UNITS: [char; 20] = [
        '个', '元', '天', '年', '月', '日', '次', '人', '家', '名', '岁', '倍', '周', '号', '份',
        '项', '笔', '件', '台', '辆',
    ];
    let body = word.strip_prefix('第').unwrap_or(word);
    // Most words start with no numeral: they are answered without looking for a unit. (Taking a
    // unit off the end never changes the first character: a unit alone is kept.)
    if !body.chars().next().is_some_and(is_numeral) {
        return false;
    }
    let body = match body.chars().next_back() {
        Some(last) if UNITS.contains(&last) && body.len() > last.len_utf8() => {
            &body[..body.len() - last.len_utf8()]
        }
        _ => body,
    };
    !body.is_empty() && body.chars().all(is_numeral)
}

/// A Chinese numeral, or a word of rough quantity (几, 多, 余, 来, 半).
fn is_numeral(c: char) -> bool {
    matches!(
        c,
        '零' | '〇'
            | '一'
            | '二'
            | '两'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '百'
            | '千'
            | '万'
            | '亿'
            | '几'
            | '多'
            | '余'
            | '来'
            | '半'
    )
}

#[cfg(test)]
mod tests {
    use super::super::JiebaSegmenter;
    use super::*;

    fn analyzer() -> Analyzer {
        let seg = JiebaSegmenter::new("", "none", []).unwrap();
        let stop: HashSet<String> = ["的", "希望", "企业"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let syn: HashMap<String, String> = [("贷款", "融资"), ("借钱", "融资")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        Analyzer::new(Arc::new(seg), stop, syn)
    }

    #[test]
    fn quantities_in_chinese_numerals() {
        for q in "四十多 十几万 两个 第一次 半年 一千多 五六个 多次 万元".split(' ')
        {
            assert!(is_quantity(q), "{q}");
        }
        for w in "一样 统一 上半年 个人 2023 首次 多元化 第三方".split(' ') {
            assert!(!is_quantity(w), "{w}");
        }
    }

    #[test]
    fn quantities_are_the_numerals_and_units_listed() {
        // The definition as first written, with the characters as strings.
        const NUMERALS: &str = "零〇一二两三四五六七八九十百千万亿几多余来半";
        const UNITS: &str = "个元天年月日次人家名岁倍周号份项笔件台辆";
        let listed = |word: &str| {
            let body = word.strip_prefix('第').unwrap_or(word);
            let body = match body.chars().next_back() {
                Some(last) if UNITS.contains(last) && body.len() > last.len_utf8() => {
                    &body[..body.len() - last.len_utf8()]
                }
                _ => body,
            };
            !body.is_empty() && body.chars().all(|c| NUMERALS.contains(c))
        };
        let chars: Vec<char> = format!("{NUMERALS}{UNITS}第的a1").chars().collect();
        let mut quantities = 0;
        for &a in &chars {
            for &b in &chars {
                for word in [format!("{a}"), format!("{a}{b}"), format!("第{a}{b}")] {
                    assert_eq!(is_quantity(&word), listed(&word), "{word}");
                    quantities += usize::from(listed(&word));
                }
            }
        }
        assert!(quantities > 1000, "{quantities}");
    }

    #[test]
    fn drops_stopwords_and_punctuation_maps_synonyms() {
        let a = analyzer();
        let terms = a.terms("希望企业的贷款，ERP！");
        assert!(terms.contains(&"融资".to_string()), "{terms:?}");
        assert!(terms.contains(&"erp".to_string()), "{terms:?}");
        assert!(
            !terms.iter().any(|t| t == "的" || t == "希望" || t == "，"),
            "{terms:?}"
        );
    }

    #[test]
    fn token_offsets_cover_the_surface_word() {
        let a = analyzer();
        let text = "银行贷款难";
        let t = a
            .tokens(text)
            .into_iter()
            .find(|t| t.term == "融资")
            .unwrap();
        assert_eq!(&text[t.start..t.end], "贷款");
    }

    #[test]
    fn kept_spans_give_the_same_words_and_terms() {
        let a = analyzer();
        for text in [
            "希望企业的贷款，ERP！",
            "银行贷款难 Ab12 借钱",
            "",
            "，。！",
        ] {
            let spans = a.word_spans(text);
            assert_eq!(a.words_at(text, &spans), a.words(text), "{text}");
            let (words, one_pass) = a.words_and_spans(text);
            assert_eq!(words, a.words(text), "{text}");
            assert_eq!(
                one_pass.iter().collect::<Vec<_>>(),
                spans.iter().collect::<Vec<_>>()
            );
            let again: Vec<_> = a.term_spans_at(text, spans.iter()).collect();
            let cut: Vec<_> = a.term_spans(text).collect();
            assert_eq!(again, cut, "{text}");
        }
        // Spans of another text never panic: what does not fit is left out.
        let spans = a.word_spans("银行贷款难，融资担保费用偏高");
        assert!(a.words_at("短", &spans).len() < a.words("银行贷款难，融资担保费用偏高").len());
    }
}
