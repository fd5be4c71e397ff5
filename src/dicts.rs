//! The dictionaries: a domain user dictionary for jieba, Chinese stop words, synonym sets and the
//! topic taxonomy. They are compiled into the binary, so an installed `qingdan` needs no files;
//! `--dicts DIR` replaces any of them with the file of the same name in DIR.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::topics::Taxonomy;
use crate::{Error, Result};

const USER_DICT: &str = include_str!("../dicts/user.dict");
const STOPWORDS: &str = include_str!("../dicts/stopwords.txt");
const SYNONYMS: &str = include_str!("../dicts/synonyms.txt");
const TOPICS: &str = include_str!("../dicts/topics.toml");
/// The dictionary files, by name, with the shipped text of each.
const FILES: [(&str, &str); 4] = [
    ("user.dict", USER_DICT),
    ("stopwords.txt", STOPWORDS),
    ("synonyms.txt", SYNONYMS),
    ("topics.toml", TOPICS),
];

/// The parsed dictionaries, and where each came from.
#[derive(Debug, Clone)]
pub struct Dicts {
    pub user_dict: String,
    pub stopwords: HashSet<String>,
    pub synonyms: HashMap<String, String>,
    pub taxonomy: Taxonomy,
    /// For each file, "内置" or the path it was read from.
    pub sources: Vec<(String, String)>,
    /// Each file's text, so a workspace can keep the dictionaries it was built with.
    texts: Vec<(String, String)>,
}

impl Dicts {
    /// The dictionaries shipped inside the binary.
    pub fn embedded() -> Result<Self> {
        Self::load(None)
    }

    /// The shipped dictionaries, with each file present in `dir` taking the place of its twin.
    pub fn load(dir: Option<&Path>) -> Result<Self> {
        if let Some(d) = dir {
            if !d.is_dir() {
                return Err(Error::Workspace {
                    path: d.to_path_buf(),
                    reason: "--dicts 指定的不是目录".into(),
                });
            }
        }
        let mut files = Vec::new();
        for (name, builtin) in FILES {
            let path = dir.map(|d| d.join(name)).filter(|p| p.exists());
            files.push(match path {
                Some(p) => (
                    name.to_string(),
                    std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?,
                    p.display().to_string(),
                ),
                None => (name.to_string(), builtin.to_string(), "内置".to_string()),
            });
        }
        Self::parse(files)
    }

    /// Dictionaries from the texts a workspace kept (file name → text); files missing from
    /// `texts` are the shipped ones.
    pub fn from_texts(texts: &[(String, String)], origin: &str) -> Result<Self> {
        let files = FILES
            .iter()
            .map(
                |(name, builtin)| match texts.iter().find(|(n, _)| n == name) {
                    Some((_, text)) => (name.to_string(), text.clone(), format!("{origin}/{name}")),
                    None => (name.to_string(), builtin.to_string(), "内置".to_string()),
                },
            )
            .collect();
        Self::parse(files)
    }

    /// Parses (file name, text, origin) for each of [`FILES`], in that order.
    fn parse(files: Vec<(String, String, String)>) -> Result<Self> {
        let get = |name: &str| {
            files
                .iter()
                .find(|(n, _, _)| n == name)
                .expect("every dictionary file is present")
        };
        let (_, user_dict, user_origin) = get("user.dict");
        check_user_dict(user_dict, user_origin)?;
        let (_, stop, _) = get("stopwords.txt");
        let (_, syn, syn_origin) = get("synonyms.txt");
        let (_, topics, topics_origin) = get("topics.toml");
        Ok(Dicts {
            user_dict: user_dict.clone(),
            stopwords: parse_stopwords(stop),
            synonyms: parse_synonyms(syn, syn_origin)?,
            taxonomy: Taxonomy::parse(topics, topics_origin)?,
            sources: files
                .iter()
                .map(|(n, _, o)| (n.clone(), o.clone()))
                .collect(),
            texts: files.into_iter().map(|(n, t, _)| (n, t)).collect(),
        })
    }

    /// Each file's name and text.
    pub fn texts(&self) -> &[(String, String)] {
        &self.texts
    }

    /// SHA-256 of the four texts: equal for dictionaries that cut text the same way.
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for (name, text) in &self.texts {
            for part in [name, text] {
                h.update((part.len() as u64).to_le_bytes());
                h.update(part.as_bytes());
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Writes the four files into `dir`, so `Dicts::load(Some(dir))` gives these dictionaries back.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for (name, text) in &self.texts {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }
}

fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// jieba needs a frequency on every line; a line without one is an error naming the line.
fn check_user_dict(text: &str, origin: &str) -> Result<()> {
    for (line, l) in content_lines(text) {
        let mut parts = l.split_whitespace();
        let word = parts.next().unwrap_or("");
        let freq_ok = parts.next().is_some_and(|f| f.parse::<usize>().is_ok());
        if !freq_ok {
            return Err(Error::Dict {
                file: origin.to_string(),
                line,
                reason: format!("“{word}”缺少词频（格式: 词 词频 [词性]）"),
            });
        }
    }
    Ok(())
}

fn parse_stopwords(text: &str) -> HashSet<String> {
    content_lines(text)
        .flat_map(|(_, l)| l.split_whitespace())
        .map(|w| w.to_lowercase())
        .collect()
}

/// Each line: the canonical form, then its variants. A word in two sets is an error.
fn parse_synonyms(text: &str, origin: &str) -> Result<HashMap<String, String>> {
    let mut map: HashMap<String, String> = HashMap::new();
    for (line, l) in content_lines(text) {
        let mut words = l.split_whitespace();
        let Some(canonical) = words.next() else {
            continue;
        };
        for variant in words {
            if let Some(prev) = map.get(variant).filter(|prev| *prev != canonical) {
                return Err(Error::Dict {
                    file: origin.to_string(),
                    line,
                    reason: format!("“{variant}”已属于“{prev}”的同义词组"),
                });
            }
            map.insert(variant.to_string(), canonical.to_string());
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_dictionaries_load() {
        let d = Dicts::embedded().unwrap();
        assert!(d.stopwords.contains("的"));
        assert!(d.taxonomy.topics.len() >= 10);
        assert!(!d.synonyms.is_empty());
    }

    #[test]
    fn user_dict_line_without_frequency_names_the_line() {
        let err = check_user_dict("# c\n首贷 100 n\n过桥资金\n", "u.dict").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("u.dict") && msg.contains("第3行") && msg.contains("过桥资金"),
            "{msg}"
        );
    }

    #[test]
    fn synonym_in_two_sets_is_an_error() {
        assert!(parse_synonyms("融资 贷款\n用地 土地\n", "s").is_ok());
        assert!(parse_synonyms("融资 贷款\n信贷 贷款\n", "s").is_err());
    }

    #[test]
    fn override_dir_replaces_only_present_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("stopwords.txt"), "只有这个词\n").unwrap();
        let d = Dicts::load(Some(dir.path())).unwrap();
        assert_eq!(d.stopwords.len(), 1);
        assert!(d
            .sources
            .iter()
            .any(|(n, o)| n == "topics.toml" && o == "内置"));
    }
}
