//! Text features for learned topics: word unigrams and bigrams from our analyzer (title words
//! count twice: a title states the subject) and character 1–3-grams of the normalized text, as
//! TF-IDF (sublinear tf, smoothed idf), the word and character blocks L2-normalised apart, over a
//! vocabulary sorted for determinism.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::vectors::{document_frequencies, SparseVec};

/// What the features of one document are built from.
#[derive(Debug, Clone, Copy)]
pub struct FeatureInput<'a> {
    pub title_words: &'a [String],
    pub text_words: &'a [String],
    /// Normalized title and text.
    pub text: &'a str,
}

/// Calls `f` with the name of every feature of a document, repeats included (they are term
/// frequencies). One buffer serves all names, so classifying allocates nothing per feature.
pub fn for_each_feature(input: &FeatureInput, mut f: impl FnMut(&str)) {
    use std::fmt::Write;
    let mut name = String::with_capacity(32);
    for words in [input.title_words, input.title_words, input.text_words] {
        for w in words {
            name.clear();
            let _ = write!(name, "w:{w}");
            f(&name);
        }
        for p in words.windows(2) {
            name.clear();
            let _ = write!(name, "b:{}+{}", p[0], p[1]);
            f(&name);
        }
    }
    let chars: Vec<char> = input.text.chars().filter(|c| c.is_alphanumeric()).collect();
    for n in 1..=3 {
        for gram in chars.windows(n) {
            name.clear();
            name.push_str("c:");
            name.extend(gram);
            f(&name);
        }
    }
}

/// Feature names of a document as owned strings (for fitting a vocabulary).
pub fn raw_features(input: &FeatureInput) -> Vec<String> {
    let mut out = Vec::new();
    for_each_feature(input, |f| out.push(f.to_string()));
    out
}

/// A fitted vocabulary with its IDF weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpace {
    /// Feature names, sorted; a feature's id is its index.
    pub names: Vec<String>,
    pub idf: Vec<f32>,
    #[serde(skip)]
    ids: HashMap<String, u32>,
}

impl FeatureSpace {
    /// Learns the vocabulary from training documents; features seen in fewer than `min_df`
    /// documents are dropped (they cannot generalise and they bloat the model).
    pub fn fit(docs: &[Vec<String>], min_df: u32) -> Self {
        let df = document_frequencies(docs);
        let kept: BTreeMap<&String, u32> = df.into_iter().filter(|(_, d)| *d >= min_df).collect();
        let n = docs.len() as f32;
        let mut space = FeatureSpace {
            names: kept.keys().map(|f| f.to_string()).collect(),
            idf: kept
                .values()
                .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
                .collect(),
            ids: HashMap::new(),
        };
        space.index();
        space
    }

    /// Rebuilds the name → id map (after loading from a file).
    /// A space from its sorted names and their idf (a stored model), indexed.
    pub fn with_names(names: Vec<String>, idf: Vec<f32>) -> Self {
        let mut space = FeatureSpace {
            names,
            idf,
            ids: HashMap::new(),
        };
        space.index();
        space
    }

    pub fn index(&mut self) {
        self.ids = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32))
            .collect();
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The TF-IDF vector of a document's raw features; unknown features are ignored.
    pub fn vector(&self, raw: &[String]) -> SparseVec {
        let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
        for f in raw {
            if let Some(&id) = self.ids.get(f.as_str()) {
                *counts.entry(id).or_default() += 1;
            }
        }
        self.weigh(counts)
    }

    /// The TF-IDF vector of a document, straight from its text (no feature strings kept).
    pub fn vector_of(&self, input: &FeatureInput) -> SparseVec {
        let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
        for_each_feature(input, |f| {
            if let Some(&id) = self.ids.get(f) {
                *counts.entry(id).or_default() += 1;
            }
        });
        self.weigh(counts)
    }

    fn weigh(&self, counts: BTreeMap<u32, u32>) -> SparseVec {
        let mut v: Vec<(u32, f32)> = counts
            .into_iter()
            .map(|(id, c)| (id, (1.0 + (c as f32).ln()) * self.idf[id as usize]))
            .collect();
        // Words and character grams are normalised apart and weigh the same: a text has many
        // more character grams than words, and they would otherwise drown the words.
        let is_char = |id: u32| self.names[id as usize].starts_with("c:");
        let norm = |char_block: bool| {
            v.iter()
                .filter(|(id, _)| is_char(*id) == char_block)
                .map(|(_, w)| w * w)
                .sum::<f32>()
                .sqrt()
        };
        let (word_norm, char_norm) = (norm(false), norm(true));
        let blocks = (word_norm > 0.0) as u8 + (char_norm > 0.0) as u8;
        let share = if blocks == 2 {
            std::f32::consts::FRAC_1_SQRT_2
        } else {
            1.0
        };
        for (id, w) in v.iter_mut() {
            let n = if is_char(*id) { char_norm } else { word_norm };
            *w *= share / n;
        }
        SparseVec(v)
    }

    /// A feature name as a reader sees it: 医保, 医保+报销, 「医保」.
    pub fn display(&self, id: u32) -> String {
        let name = &self.names[id as usize];
        match name.split_once(':') {
            Some(("w", w)) => w.to_string(),
            Some(("b", b)) => b.to_string(),
            Some(("c", c)) => format!("「{c}」"),
            _ => name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn raw_features_weight_titles_and_include_char_grams() {
        let title = words("医保");
        let text = words("报销 难");
        let raw = raw_features(&FeatureInput {
            title_words: &title,
            text_words: &text,
            text: "医保。报销难",
        });
        assert_eq!(raw.iter().filter(|f| *f == "w:医保").count(), 2);
        assert!(raw.contains(&"b:报销+难".to_string()));
        assert!(raw.contains(&"c:报销难".to_string()));
        assert!(
            raw.contains(&"c:保报".to_string()),
            "punctuation is skipped in char grams"
        );
    }

    #[test]
    fn min_df_drops_rare_features_and_vectors_are_unit() {
        let docs = vec![words("w:a w:b"), words("w:a w:c"), words("w:a w:b")];
        let space = FeatureSpace::fit(&docs, 2);
        assert_eq!(space.names, vec!["w:a", "w:b"]);
        let v = space.vector(&words("w:a w:b w:zzz"));
        assert!((v.dot(&v) - 1.0).abs() < 1e-5);
        assert_eq!(space.display(1), "b");
    }
}
