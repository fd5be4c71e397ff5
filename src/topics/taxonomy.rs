//! The taxonomy file (`dicts/topics.toml`): topics with weighted seed terms, one fallback topic.

use std::collections::HashSet;

use serde::Deserialize;

use crate::{Error, Result};

/// One topic of the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Terms that alone are good evidence (weight 2).
    #[serde(default)]
    pub core: Vec<String>,
    /// Terms that support the topic (weight 1).
    #[serde(default)]
    pub related: Vec<String>,
    /// The topic given when nothing else fits (其他).
    #[serde(default)]
    pub fallback: bool,
}

/// The topics, in the file's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taxonomy {
    pub topics: Vec<Topic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    topic: Vec<Topic>,
}

impl Taxonomy {
    /// Parses and checks a taxonomy: unique ids and names, exactly one fallback topic, at least
    /// one term for every other topic.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let err = |reason: String| Error::Taxonomy {
            file: origin.to_string(),
            reason,
        };
        let file: TaxonomyFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for t in &file.topic {
            if !ids.insert(t.id.as_str()) || !names.insert(t.name.as_str()) {
                return Err(err(format!("主题“{}”({})重复", t.name, t.id)));
            }
            if !t.fallback && t.core.is_empty() && t.related.is_empty() {
                return Err(err(format!("主题“{}”没有任何关键词", t.name)));
            }
        }
        match file.topic.iter().filter(|t| t.fallback).count() {
            1 => {}
            n => return Err(err(format!("应恰有一个 fallback = true 的主题，实有{n}个"))),
        }
        Ok(Taxonomy { topics: file.topic })
    }

    /// The fallback topic (其他).
    pub fn fallback(&self) -> &Topic {
        self.topics
            .iter()
            .find(|t| t.fallback)
            .expect("checked at parse")
    }

    /// Every seed term of every topic (they join the segmenter's dictionary so they stay whole).
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.topics
            .iter()
            .flat_map(|t| t.core.iter().chain(&t.related))
            .map(String::as_str)
    }

    /// A topic by display name.
    pub fn by_name(&self, name: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
[[topic]]
id = "financing"
name = "金融信贷"
core = ["贷款"]
[[topic]]
id = "other"
name = "其他"
fallback = true
"#;

    #[test]
    fn parses_and_finds_fallback() {
        let t = Taxonomy::parse(OK, "t.toml").unwrap();
        assert_eq!(t.fallback().name, "其他");
        assert_eq!(t.terms().collect::<Vec<_>>(), vec!["贷款"]);
    }

    #[test]
    fn rejects_two_fallbacks_and_unknown_keys() {
        let two = format!("{OK}\n[[topic]]\nid = \"x\"\nname = \"杂项\"\nfallback = true\n");
        assert!(Taxonomy::parse(&two, "t")
            .unwrap_err()
            .to_string()
            .contains("fallback"));
        let typo = OK.replace("core =", "cores =");
        assert!(Taxonomy::parse(&typo, "t").is_err());
    }
}
