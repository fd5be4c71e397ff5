//! Text features for learned topics: word unigrams and bigrams from our analyzer (title words
//! count several times: a title states the subject) and character n-grams of the normalized
//! text, as TF-IDF (sublinear tf, smoothed idf), the word and character blocks L2-normalised
//! apart, over a vocabulary sorted for determinism. [`FeatureConfig`] sets the details.

use std::ops::Range;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::vectors::{document_frequencies, is_alphanumeric, FxMap, SparseVec};

/// What the features of one document are built from.
#[derive(Debug, Clone, Copy)]
pub struct FeatureInput<'a> {
    pub title_words: &'a [String],
    pub text_words: &'a [String],
    /// Normalized title and text.
    pub text: &'a str,
}

/// Which features a model uses and how they weigh. Stored with the model: a text is featurised
/// at prediction exactly as at training.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// How many times title words count (a title states the subject).
    pub title_repeat: u8,
    /// Word bigrams besides single words.
    pub word_bigrams: bool,
    /// Character n-grams from `char_min` to `char_max` characters (`char_max` 0: none).
    pub char_min: u8,
    pub char_max: u8,
    /// The character block's share of a vector's squared norm (the word block has the rest).
    pub char_share: f32,
    /// Features in fewer training documents than this are dropped.
    pub min_df: u32,
}

impl FeatureConfig {
    /// The settings of models trained before they were configurable (what a stored model
    /// without them was trained with).
    pub fn legacy() -> Self {
        FeatureConfig {
            title_repeat: 2,
            word_bigrams: true,
            char_min: 1,
            char_max: 3,
            char_share: 0.5,
            min_df: 2,
        }
    }
}

/// Chosen on half of a platform's 495 labelled messages (repeated 5-fold CV inside that half):
/// titles count three times, character grams stop at two characters and features need three
/// documents. Longer grams and rarer features fit the few training documents, not the platform.
impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            title_repeat: 3,
            char_max: 2,
            min_df: 3,
            ..Self::legacy()
        }
    }
}

/// Calls `f` with the name of every feature of a document, repeats included (they are term
/// frequencies). One buffer serves all names, so classifying allocates nothing per feature.
pub fn for_each_feature(input: &FeatureInput, config: &FeatureConfig, mut f: impl FnMut(&str)) {
    // Names are pieced together with push_str: `write!` costs more than the lookup they feed.
    let mut name = String::with_capacity(32);
    let title = std::iter::repeat_n(input.title_words, config.title_repeat as usize);
    for words in title.chain([input.text_words]) {
        for w in words {
            name.clear();
            name.push_str("w:");
            name.push_str(w);
            f(&name);
        }
        if config.word_bigrams {
            for p in words.windows(2) {
                name.clear();
                name.push_str("b:");
                name.push_str(&p[0]);
                name.push('+');
                name.push_str(&p[1]);
                f(&name);
            }
        }
    }
    let chars: Vec<char> = input.text.chars().filter(|&c| is_alphanumeric(c)).collect();
    for n in config.char_min.max(1)..=config.char_max {
        for gram in chars.windows(n as usize) {
            name.clear();
            name.push_str("c:");
            name.extend(gram);
            f(&name);
        }
    }
}

/// Feature names of a document as owned strings (for fitting a vocabulary).
pub fn raw_features(input: &FeatureInput, config: &FeatureConfig) -> Vec<String> {
    let mut out = Vec::new();
    for_each_feature(input, config, |f| out.push(f.to_string()));
    out
}

/// A fitted vocabulary with its IDF weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpace {
    /// Feature names, sorted; a feature's id is its index.
    pub names: Vec<String>,
    pub idf: Vec<f32>,
    #[serde(default = "FeatureConfig::legacy")]
    pub config: FeatureConfig,
    #[serde(skip)]
    ids: FxMap<String, u32>,
    /// The ids of character grams: names are sorted, so `c:` names are one run between the
    /// bigrams' `b:` and the words' `w:`.
    #[serde(skip)]
    char_ids: Range<u32>,
}

impl FeatureSpace {
    /// Learns the vocabulary from training documents' raw features; features seen in fewer than
    /// `config.min_df` documents are dropped (they cannot generalise and they bloat the model).
    pub fn fit(docs: &[Vec<String>], config: &FeatureConfig) -> Self {
        let df = document_frequencies(docs);
        let mut kept: Vec<(&String, u32)> = df
            .into_iter()
            .filter(|(_, d)| *d >= config.min_df)
            .collect();
        kept.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
        let n = docs.len() as f32;
        let mut space = FeatureSpace {
            names: kept.iter().map(|(f, _)| f.to_string()).collect(),
            idf: kept
                .iter()
                .map(|&(_, d)| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
                .collect(),
            config: *config,
            ids: FxMap::default(),
            char_ids: 0..0,
        };
        space.index();
        space
    }

    /// Fits the space on training documents and gives their vectors, as [`FeatureSpace::fit`]
    /// then [`FeatureSpace::vector`] would, to the bit. Each feature name is hashed once, into a
    /// per-chunk interner, rather than kept as a string per occurrence and hashed twice: with
    /// character grams that was most of a self-training fit.
    pub fn fit_documents(
        inputs: &[FeatureInput],
        config: &FeatureConfig,
    ) -> (Self, Vec<SparseVec>) {
        let chunk = inputs
            .len()
            .div_ceil(4 * rayon::current_num_threads())
            .max(1);
        // Per chunk: its distinct names (by local id) and each document's local ids.
        let parts: Vec<(Vec<String>, Vec<Vec<u32>>)> = inputs
            .par_chunks(chunk)
            .map(|docs| {
                let mut local: FxMap<String, u32> = FxMap::default();
                let ids = docs
                    .iter()
                    .map(|d| {
                        let mut ids = Vec::new();
                        for_each_feature(d, config, |f| {
                            let id = match local.get(f) {
                                Some(&id) => id,
                                None => {
                                    let id = local.len() as u32;
                                    local.insert(f.to_string(), id);
                                    id
                                }
                            };
                            ids.push(id);
                        });
                        ids
                    })
                    .collect();
                let mut names = vec![String::new(); local.len()];
                for (name, id) in local {
                    names[id as usize] = name;
                }
                (names, ids)
            })
            .collect();
        // One id space over all chunks, and each feature's document frequency.
        let mut global: FxMap<&str, u32> = FxMap::default();
        let mut all_names: Vec<&str> = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        let mut docs: Vec<Vec<u32>> = Vec::with_capacity(inputs.len());
        for (names, local_docs) in &parts {
            let to_global: Vec<u32> = names
                .iter()
                .map(|n| {
                    *global.entry(n).or_insert_with(|| {
                        all_names.push(n);
                        df.push(0);
                        all_names.len() as u32 - 1
                    })
                })
                .collect();
            for local_ids in local_docs {
                let ids: Vec<u32> = local_ids.iter().map(|&l| to_global[l as usize]).collect();
                let mut distinct = ids.clone();
                distinct.sort_unstable();
                distinct.dedup();
                for &g in &distinct {
                    df[g as usize] += 1;
                }
                docs.push(ids);
            }
        }
        let mut kept: Vec<u32> = (0..all_names.len() as u32)
            .filter(|&g| df[g as usize] >= config.min_df)
            .collect();
        kept.par_sort_unstable_by(|&a, &b| all_names[a as usize].cmp(all_names[b as usize]));
        let mut new_id = vec![u32::MAX; all_names.len()];
        for (k, &g) in kept.iter().enumerate() {
            new_id[g as usize] = k as u32;
        }
        let n = inputs.len() as f32;
        let idf = kept
            .iter()
            .map(|&g| ((1.0 + n) / (1.0 + df[g as usize] as f32)).ln() + 1.0)
            .collect();
        let names = kept
            .iter()
            .map(|&g| all_names[g as usize].to_string())
            .collect();
        let space = Self::with_names(names, idf, *config);
        let vectors = docs
            .into_par_iter()
            .map(|ids| {
                let ids = ids
                    .into_iter()
                    .map(|g| new_id[g as usize])
                    .filter(|&k| k != u32::MAX)
                    .collect();
                space.weigh(ids)
            })
            .collect();
        (space, vectors)
    }

    /// A space from its sorted names and their idf (a stored model), indexed.
    pub fn with_names(names: Vec<String>, idf: Vec<f32>, config: FeatureConfig) -> Self {
        let mut space = FeatureSpace {
            names,
            idf,
            config,
            ids: FxMap::default(),
            char_ids: 0..0,
        };
        space.index();
        space
    }

    /// Rebuilds the name → id map and the character grams' range (after loading from a file).
    pub fn index(&mut self) {
        self.ids = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32))
            .collect();
        let is_char = |n: &String| n.starts_with("c:");
        let start = self.names.partition_point(|n| n.as_str() < "c:");
        let len = self.names[start..]
            .iter()
            .take_while(|n| is_char(n))
            .count();
        self.char_ids = start as u32..(start + len) as u32;
        debug_assert_eq!(
            self.names.iter().filter(|n| is_char(n)).count(),
            len,
            "names are sorted"
        );
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The TF-IDF vector of a document's raw features; unknown features are ignored.
    pub fn vector(&self, raw: &[String]) -> SparseVec {
        let ids: Vec<u32> = raw
            .iter()
            .filter_map(|f| self.ids.get(f.as_str()).copied())
            .collect();
        self.weigh(ids)
    }

    /// The TF-IDF vector of a document, straight from its text (no feature strings kept).
    pub fn vector_of(&self, input: &FeatureInput) -> SparseVec {
        let mut ids = Vec::new();
        for_each_feature(input, &self.config, |f| {
            if let Some(&id) = self.ids.get(f) {
                ids.push(id);
            }
        });
        self.weigh(ids)
    }

    /// The vector of a document's feature ids, repeats counted (sublinear tf times idf).
    fn weigh(&self, mut ids: Vec<u32>) -> SparseVec {
        ids.sort_unstable();
        let mut v: Vec<(u32, f32)> = Vec::with_capacity(ids.len());
        for run in ids.chunk_by(|a, b| a == b) {
            let (id, c) = (run[0], run.len());
            v.push((id, (1.0 + (c as f32).ln()) * self.idf[id as usize]));
        }
        // Words and character grams are normalised apart and weigh the same: a text has many
        // more character grams than words, and they would otherwise drown the words.
        let is_char = |id: u32| self.char_ids.contains(&id);
        let norm = |char_block: bool| {
            v.iter()
                .filter(|(id, _)| is_char(*id) == char_block)
                .map(|(_, w)| w * w)
                .sum::<f32>()
                .sqrt()
        };
        let (word_norm, char_norm) = (norm(false), norm(true));
        // A block alone in a vector takes it all.
        let char_share = match (word_norm > 0.0, char_norm > 0.0) {
            (true, true) => self.config.char_share,
            (false, _) => 1.0,
            (true, false) => 0.0,
        };
        let (word_scale, char_scale) = ((1.0 - char_share).sqrt(), char_share.sqrt());
        for (id, w) in v.iter_mut() {
            *w *= if is_char(*id) {
                char_scale / char_norm
            } else {
                word_scale / word_norm
            };
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
        let raw = raw_features(
            &FeatureInput {
                title_words: &title,
                text_words: &text,
                text: "医保。报销难",
            },
            &FeatureConfig::legacy(),
        );
        assert_eq!(raw.iter().filter(|f| *f == "w:医保").count(), 2);
        assert!(raw.contains(&"b:报销+难".to_string()));
        assert!(raw.contains(&"c:报销难".to_string()));
        assert!(
            raw.contains(&"c:保报".to_string()),
            "punctuation is skipped in char grams"
        );
    }

    #[test]
    fn fit_documents_matches_fit_then_vector() {
        let texts = [
            ("医保 报销", "报销 难 医保 卡", "医保报销。报销难医保卡"),
            ("", "贷款 难 银行", "贷款难银行"),
            ("贷款", "银行 抵押 贷款 难", "贷款。银行抵押贷款难"),
            ("", "报销 慢", "报销慢"),
        ];
        let owned: Vec<(Vec<String>, Vec<String>, String)> = texts
            .iter()
            .map(|(t, x, all)| (words(t), words(x), all.to_string()))
            .collect();
        let inputs: Vec<FeatureInput> = owned
            .iter()
            .map(|(t, x, all)| FeatureInput {
                title_words: if t[0].is_empty() { &[] } else { t },
                text_words: x,
                text: all,
            })
            .collect();
        let config = FeatureConfig::legacy();
        let raw: Vec<Vec<String>> = inputs.iter().map(|i| raw_features(i, &config)).collect();
        let space = FeatureSpace::fit(&raw, &config);
        let (fitted, vectors) = FeatureSpace::fit_documents(&inputs, &config);
        assert_eq!(fitted, space);
        assert!(space.len() > 5, "features seen twice are kept");
        for (r, v) in raw.iter().zip(&vectors) {
            assert_eq!(&space.vector(r), v);
        }
    }

    #[test]
    fn min_df_drops_rare_features_and_vectors_are_unit() {
        let docs = vec![words("w:a w:b"), words("w:a w:c"), words("w:a w:b")];
        let space = FeatureSpace::fit(&docs, &FeatureConfig::legacy());
        assert_eq!(space.names, vec!["w:a", "w:b"]);
        let v = space.vector(&words("w:a w:b w:zzz"));
        assert!((v.dot(&v) - 1.0).abs() < 1e-5);
        assert_eq!(space.display(1), "b");
    }
}
