//! A tantivy tokenizer over qingdan's [`Analyzer`]: canonical terms with their surface offsets,
//! so BM25 counts synonyms as one word and snippets still highlight what the user wrote.

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

/// The tokens of one text, handed out one by one.
pub struct AnalyzerTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for AnalyzerTokenizer {
    type TokenStream<'a> = AnalyzerTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> AnalyzerTokenStream {
        let tokens = self
            .analyzer
            .tokens(text)
            .into_iter()
            .enumerate()
            .map(|(position, t)| Token {
                offset_from: t.start,
                offset_to: t.end,
                position,
                text: t.term,
                position_length: 1,
            })
            .collect();
        AnalyzerTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for AnalyzerTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}
