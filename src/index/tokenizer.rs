//! A tantivy tokenizer over qingdan's [`Analyzer`]: canonical terms with their surface offsets,
//! so BM25 counts synonyms as one word and snippets still highlight what the user wrote.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::segment::{Analyzer, WordSpans};
use crate::vectors::FxMap;

/// The name the tokenizer is registered under; every index open must register it again.
pub const TOKENIZER_NAME: &str = "qingdan_zh";

/// Tokenizes with the shared analyzer (one jieba for all threads and all fields).
#[derive(Clone)]
pub struct AnalyzerTokenizer {
    analyzer: Arc<Analyzer>,
    pre_cut: Arc<PreCut>,
}

impl AnalyzerTokenizer {
    pub fn new(analyzer: Arc<Analyzer>) -> Self {
        Self::with_pre_cut(analyzer, Arc::default())
    }

    /// A tokenizer that takes the words of a text from `pre_cut` when they were offered there.
    pub fn with_pre_cut(analyzer: Arc<Analyzer>, pre_cut: Arc<PreCut>) -> Self {
        AnalyzerTokenizer { analyzer, pre_cut }
    }
}

/// Texts whose words their analysis already found, offered to the tokenizer so that indexing
/// does not cut them again. tantivy tokenizes its own copy of each field on its own threads, so
/// the words are found by the text itself; each offer is taken once, when the text is tokenized,
/// and only the texts waiting in tantivy's queue are held.
#[derive(Default)]
pub struct PreCut {
    texts: Mutex<FxMap<Box<str>, (WordSpans, u32)>>,
}

impl PreCut {
    /// Offers the words of `text` at `spans` (from [`Analyzer::word_spans`] of that text) to
    /// the next time it is tokenized.
    pub fn offer(&self, text: &str, spans: &WordSpans) {
        if text.is_empty() {
            return;
        }
        let mut texts = self.texts.lock().unwrap_or_else(PoisonError::into_inner);
        match texts.get_mut(text) {
            // The same text twice (two items, or a title equal to a text) has the same words.
            Some((_, offers)) => *offers += 1,
            None => {
                texts.insert(text.into(), (spans.clone(), 1));
            }
        }
    }

    /// The words offered for `text`, once per offer.
    fn take(&self, text: &str) -> Option<WordSpans> {
        let mut texts = self.texts.lock().unwrap_or_else(PoisonError::into_inner);
        let (spans, offers) = texts.get_mut(text)?;
        *offers -= 1;
        if *offers > 0 {
            return Some(spans.clone());
        }
        texts.remove(text).map(|(spans, _)| spans)
    }
}

/// The terms of one text, found as they are asked for and handed out one by one through a
/// single [`Token`] whose text buffer is reused (tantivy copies each term out): no string is
/// made per term, and no list of a text's terms (about 14 KB for a 1 KB text, allocated and
/// freed for every field of every item).
pub struct AnalyzerTokenStream<'a> {
    terms: Box<dyn Iterator<Item = (Cow<'a, str>, usize, usize)> + 'a>,
    next: usize,
    token: Token,
}

impl Tokenizer for AnalyzerTokenizer {
    type TokenStream<'a> = AnalyzerTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> AnalyzerTokenStream<'a> {
        let analyzer = &self.analyzer;
        let terms: Box<dyn Iterator<Item = _>> = match self.pre_cut.take(text) {
            Some(spans) => Box::new(analyzer.term_spans_at(text, spans)),
            None => Box::new(analyzer.term_spans(text)),
        };
        AnalyzerTokenStream {
            terms,
            next: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for AnalyzerTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((term, start, end)) = self.terms.next() else {
            return false;
        };
        let t = &mut self.token;
        t.text.clear();
        t.text.push_str(&term);
        t.offset_from = start;
        t.offset_to = end;
        t.position = self.next;
        t.position_length = 1;
        self.next += 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dicts::Dicts;
    use crate::pipeline::Pipeline;

    #[test]
    fn the_stream_gives_the_analyzers_tokens_in_order() {
        let pipeline = Pipeline::new(&Dicts::embedded().unwrap()).unwrap();
        let mut tokenizer = AnalyzerTokenizer::new(pipeline.analyzer.clone());
        let text = "银行贷款要求房产抵押，ERP系统借钱难；冷链车辆进城限行";
        let want: Vec<(String, usize, usize, usize)> = pipeline
            .analyzer
            .tokens(text)
            .into_iter()
            .enumerate()
            .map(|(i, t)| (t.term, t.start, t.end, i))
            .collect();
        assert!(want.iter().any(|t| t.0 == "erp"), "{want:?}");
        let mut stream = tokenizer.token_stream(text);
        let mut got = Vec::new();
        while stream.advance() {
            let t = stream.token();
            assert_eq!(t.position_length, 1);
            got.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        assert_eq!(got, want);
        assert!(!stream.advance());
        drop(stream);
        assert!(!tokenizer.token_stream("").advance());
    }

    fn tokens_of(tokenizer: &mut AnalyzerTokenizer, text: &str) -> Vec<(String, usize, usize)> {
        let mut stream = tokenizer.token_stream(text);
        let mut got = Vec::new();
        while stream.advance() {
            let t = stream.token();
            got.push((t.text.clone(), t.offset_from, t.offset_to));
        }
        got
    }

    #[test]
    fn offered_words_give_the_same_tokens_once_per_offer() {
        let pipeline = Pipeline::new(&Dicts::embedded().unwrap()).unwrap();
        let analyzer = pipeline.analyzer.clone();
        let pre_cut = Arc::new(PreCut::default());
        let mut tokenizer = AnalyzerTokenizer::with_pre_cut(analyzer.clone(), pre_cut.clone());
        let text = "银行贷款要求房产抵押，ERP系统借钱难";
        let want = tokens_of(&mut AnalyzerTokenizer::new(analyzer.clone()), text);
        let spans = analyzer.word_spans(text);
        pre_cut.offer(text, &spans);
        pre_cut.offer(text, &spans);
        pre_cut.offer("", &spans);
        for _ in 0..2 {
            assert!(pre_cut.texts.lock().unwrap().contains_key(text));
            assert_eq!(tokens_of(&mut tokenizer, text), want);
        }
        assert!(
            pre_cut.texts.lock().unwrap().is_empty(),
            "each offer is taken once"
        );
        assert_eq!(tokens_of(&mut tokenizer, text), want);
        // Spans that do not fit their text are left out, never a panic.
        let other = "短";
        pre_cut.offer(other, &spans);
        assert!(tokens_of(&mut tokenizer, other).len() <= 1);
    }
}
