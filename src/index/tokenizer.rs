//! A tantivy tokenizer over qingdan's [`Analyzer`]: canonical terms with their surface offsets,
//! so BM25 counts synonyms as one word and snippets still highlight what the user wrote.

use std::borrow::Cow;
use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::segment::Analyzer;

/// The name the tokenizer is registered under; every index open must register it again.
pub const TOKENIZER_NAME: &str = "qingdan_zh";

/// Tokenizes with the shared analyzer (one jieba for all threads and all fields).
#[derive(Clone)]
pub struct AnalyzerTokenizer {
    analyzer: Arc<Analyzer>,
}

impl AnalyzerTokenizer {
    pub fn new(analyzer: Arc<Analyzer>) -> Self {
        AnalyzerTokenizer { analyzer }
    }
}

/// The terms of one text, handed out one by one through a single [`Token`] whose text buffer is
/// reused (tantivy copies each term out): no string is made per term.
pub struct AnalyzerTokenStream<'a> {
    terms: Vec<(Cow<'a, str>, usize, usize)>,
    next: usize,
    token: Token,
}

impl Tokenizer for AnalyzerTokenizer {
    type TokenStream<'a> = AnalyzerTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> AnalyzerTokenStream<'a> {
        AnalyzerTokenStream {
            terms: self.analyzer.term_spans(text).collect(),
            next: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for AnalyzerTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((term, start, end)) = self.terms.get(self.next) else {
            return false;
        };
        let t = &mut self.token;
        t.text.clear();
        t.text.push_str(term);
        t.offset_from = *start;
        t.offset_to = *end;
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
        assert!(!tokenizer.token_stream("").advance());
    }
}
