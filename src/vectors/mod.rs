//! Vectors: the sparse-vector primitives several stages share — [`SparseVec`] and its dot product,
//! [`TfIdf`] and [`document_frequencies`], the packed TF-IDF form [`PackedVectors`] (and a [`Probe`] to
//! take one's dot products with many), character
//! bigrams ([`char_bigrams`]) with the quick letter test they use ([`is_alphanumeric`]) and the
//! fixed-key hash map features are counted in.
//!
//! Not a pipeline stage: topics (classifier features), merge (similarity), clusters (TF-IDF
//! before the SVD) and pairs (similarity features) build on it, and it imports none of them. Every function gives the same
//! numbers to the bit for the same input, whatever order rayon runs in.

mod bigram_ids;
mod bigrams;
mod frequencies;
mod fxhash;
mod packed;
mod sort_ids;
mod sparse;
mod str_map;
mod tfidf;
pub(crate) mod varint;

pub use bigrams::{char_bigrams, is_alphanumeric, push_char_bigrams};
pub use frequencies::DocumentFrequencies;
pub use fxhash::{FxHasher, FxMap, FxSet};
pub use packed::{PackedVectors, Probe};
pub use sort_ids::sort_ids;
pub use sparse::SparseVec;
pub use str_map::StrMap;
pub use tfidf::{document_frequencies, TfIdf};
