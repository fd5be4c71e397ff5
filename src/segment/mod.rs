//! Segment: splits normalized Simplified text into words with jieba (the only file that imports
//! it is `jieba.rs`), then [`Analyzer`] drops stop words and maps synonyms to one form. The same
//! analyzer feeds topics, merging and the search index, so all three see the same words.

mod analyzer;
mod jieba;
mod spans;
mod terms;

pub use analyzer::{is_quantity, AnalyzedToken, Analyzer};
pub use jieba::JiebaSegmenter;
pub use spans::WordSpans;
pub use terms::{Terms, TermsIter};

/// A word found in a text, with its byte range in that text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span<'a> {
    pub word: &'a str,
    pub start: usize,
    pub end: usize,
}

/// Splits text into words. Implementations are shared across threads.
pub trait Segmenter: Send + Sync {
    /// Words for analysis and search: whole words plus the dictionary words inside long ones
    /// (融资担保 also yields 融资, 担保), in text order.
    fn segment<'a>(&self, text: &'a str) -> Vec<Span<'a>>;

    /// Plain segmentation, each character in exactly one word (for snapshot tests and display).
    fn cut<'a>(&self, text: &'a str) -> Vec<&'a str>;
}
