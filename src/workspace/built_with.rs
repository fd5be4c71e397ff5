//! What a workspace was built with — the dictionaries and the topic model — kept in the store by
//! content hash, so every later command cuts and classifies text exactly as the first one did,
//! and a command given other ones says so instead of mixing two analyses.

use crate::dicts::Dicts;
use crate::ingest::Batch;
use crate::merge::MergeConfig;
use crate::pipeline::Pipeline;
use crate::store::{Change, Setting, View};
use crate::topics::TopicModel;
use crate::{Error, Result};

/// The dictionaries and topic model of a workspace.
#[derive(Clone)]
pub struct BuiltWith {
    pub dicts: Dicts,
    /// The learned topic model, when the workspace uses one instead of the keyword taxonomy.
    pub model: Option<TopicModel>,
    /// A workspace of the earlier format built with a model it did not keep: new items need
    /// that model named (`--model`) before they can be given topics.
    pub model_missing: bool,
    pub merge: MergeConfig,
}

/// What a command was asked to use, where it names anything.
#[derive(Clone, Default)]
pub struct Requested {
    /// `--dicts`: dictionaries to use instead of the workspace's.
    pub dicts: Option<Dicts>,
    /// `--model`: a topic model to use instead of the workspace's.
    pub model: Option<TopicModel>,
}

/// A new build's settings and the pipeline they make: all `run` needs besides its batch.
pub struct RunSetup {
    pub(super) built: BuiltWith,
    pub(super) pipeline: Pipeline,
}

impl Requested {
    /// The settings a new build takes from this request, and their pipeline (most of it is
    /// loading jieba's dictionary, about 0.3 s).
    pub fn set_up(self) -> Result<RunSetup> {
        let built = BuiltWith::from_request(self)?;
        let pipeline = built.pipeline()?;
        Ok(RunSetup { built, pipeline })
    }
}

/// Reads a batch with `read` while `requested` is set up on another thread: the dictionary
/// loads on the core the file's reading leaves idle. The read's error is the one returned
/// when both fail.
pub fn read_while_setting_up(
    read: impl FnOnce() -> Result<Batch>,
    requested: Requested,
) -> Result<(Batch, RunSetup)> {
    std::thread::scope(|s| {
        let setting_up = s.spawn(move || requested.set_up());
        let batch = read();
        let setup = setting_up
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Ok((batch?, setup?))
    })
}

impl BuiltWith {
    /// The shipped dictionaries and keyword taxonomy, overridden by what was requested.
    pub fn from_request(requested: Requested) -> Result<Self> {
        Ok(BuiltWith {
            dicts: match requested.dicts {
                Some(d) => d,
                None => Dicts::embedded()?,
            },
            model: requested.model,
            model_missing: false,
            merge: MergeConfig::default(),
        })
    }

    /// The pipeline these settings make.
    pub fn pipeline(&self) -> Result<Pipeline> {
        let mut pipeline = Pipeline::new(&self.dicts)?;
        pipeline.merge_config = self.merge;
        Ok(match &self.model {
            Some(model) => pipeline.with_model(model.clone()),
            None => pipeline,
        })
    }

    /// Reads the settings a workspace keeps.
    pub fn load(view: &View) -> Result<Self> {
        let damaged = |what: &str, e: &dyn std::fmt::Display| Error::Workspace {
            path: view.path.to_path_buf(),
            reason: format!("工作目录保存的{what}无法读取: {e}"),
        };
        let dicts = match view.setting(Setting::Dicts)? {
            Some(bytes) => {
                let texts: Vec<(String, String)> =
                    serde_json::from_slice(&bytes).map_err(|e| damaged("词典", &e))?;
                Dicts::from_texts(&texts, "工作目录")?
            }
            None => Dicts::embedded()?,
        };
        let model = match view.setting(Setting::Model)? {
            Some(bytes) => Some(TopicModel::from_bytes(&bytes, "工作目录的主题模型")?),
            None => None,
        };
        let merge = match view.setting(Setting::MergeConfig)? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| damaged("合并阈值", &e))?,
            None => MergeConfig::default(),
        };
        Ok(BuiltWith {
            dicts,
            model_missing: model.is_none() && view.setting(Setting::ModelMissing)?.is_some(),
            model,
            merge,
        })
    }

    /// Records the settings (a new workspace, or a re-analysis with other ones).
    pub fn save(&self, change: &Change) -> Result<()> {
        let texts = serde_json::to_vec(self.dicts.texts()).expect("texts serialize");
        change.set_setting(Setting::Dicts, &texts)?;
        change.set_setting(Setting::DictsHash, self.dicts.content_hash().as_bytes())?;
        match &self.model {
            Some(m) => {
                change.set_setting(Setting::ModelHash, sha256(&m.to_json()).as_bytes())?;
                change.set_setting(Setting::Model, &m.to_bytes())?;
            }
            None => {
                change.remove_setting(Setting::Model)?;
                change.remove_setting(Setting::ModelHash)?;
            }
        }
        if self.model_missing {
            change.set_setting(Setting::ModelMissing, b"1")?;
        } else {
            change.remove_setting(Setting::ModelMissing)?;
        }
        let merge = serde_json::to_vec(&self.merge).expect("config serializes");
        change.set_setting(Setting::MergeConfig, &merge)
    }

    /// What in `requested` differs from these settings, in words; empty when nothing does.
    pub fn differences(&self, requested: &Requested) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(d) = &requested.dicts {
            if d.content_hash() != self.dicts.content_hash() {
                out.push("--dicts 给出的词典与工作目录建立时所用的不同".to_string());
            }
        }
        if let Some(m) = &requested.model {
            match &self.model {
                None => {
                    out.push("工作目录用关键词主题分类建立，--model 给出了主题模型".to_string())
                }
                Some(own) if sha256(&own.to_json()) != sha256(&m.to_json()) => {
                    out.push("--model 给出的主题模型与工作目录建立时所用的不同".to_string())
                }
                Some(_) => {}
            }
        }
        out
    }

    /// These settings with what was requested put in their place.
    pub fn replaced_by(&self, requested: Requested) -> Self {
        let model_named = requested.model.is_some();
        BuiltWith {
            dicts: requested.dicts.unwrap_or_else(|| self.dicts.clone()),
            model: requested.model.or_else(|| self.model.clone()),
            model_missing: self.model_missing && !model_named,
            merge: self.merge,
        }
    }

    /// How the topics are decided, for messages.
    pub fn topics_label(&self) -> &'static str {
        if self.model.is_some() {
            "主题模型"
        } else {
            "关键词主题分类"
        }
    }
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_read_while_setting_up_comes_with_a_working_pipeline() {
        let read = || {
            Ok(Batch {
                rows_read: 7,
                files: vec!["a.csv".into()],
                ..Batch::default()
            })
        };
        let (batch, setup) = read_while_setting_up(read, Requested::default()).unwrap();
        assert_eq!(
            (batch.rows_read, batch.files),
            (7, vec!["a.csv".to_string()])
        );
        assert!(setup.built.model.is_none());
        let words = setup.pipeline.analyzer.terms("企业融资难融资贵");
        assert!(words.iter().any(|w| w == "融资"), "{words:?}");
    }

    #[test]
    fn a_failed_read_gives_its_own_error() {
        let read = || {
            Err(Error::NotATable {
                file: "b.csv".into(),
                reason: "文件为空".into(),
            })
        };
        match read_while_setting_up(read, Requested::default()) {
            Err(Error::NotATable { file, .. }) => assert_eq!(file, "b.csv"),
            Err(e) => panic!("another error: {e}"),
            Ok(_) => panic!("a failed read gave a batch"),
        }
    }
}
