//! What the workspace was built with — dictionaries, topic model, merge thresholds — and the
//! workspace-wide numbers later commands build on: the document frequencies of the merge's
//! features, the self-trained topic model and the index generation.

use rusqlite::OptionalExtension;

use super::{Change, View};
use crate::vectors::DocumentFrequencies;
use crate::{Error, Result};

/// The keys of the settings table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The dictionary files, as a JSON object of file name → text.
    Dicts,
    /// SHA-256 of the dictionary files.
    DictsHash,
    /// The learned topic model (JSON), when the workspace uses one.
    Model,
    /// SHA-256 of the model file's bytes.
    ModelHash,
    /// Set when the workspace was built with a model it did not keep (the earlier format).
    ModelMissing,
    /// The model of the self-training of the keyword taxonomy (JSON), once there is one.
    SelfModel,
    /// How many teacher items the self-trained model was fitted on.
    SelfTeachers,
    /// The merge thresholds (JSON).
    MergeConfig,
    /// [`DocumentFrequencies`] of every item's merge features.
    DocumentFrequencies,
    /// The change the search index must reflect (a number, also the index's commit payload).
    IndexGeneration,
    /// When the workspace was first built.
    Created,
    /// The deadline profiles the loop uses (TOML), when the user gave their own.
    LoopDeadlines,
    /// Holidays and make-up workdays the user added to the shipped calendar (TOML).
    LoopCalendar,
    /// The responsibility list (职责清单) the user gave in place of the shipped one (TOML).
    LoopDuties,
    /// Set when a change was made without writing the exports (the workbench's), cleared when
    /// they are written again.
    ExportsStale,
}

impl Setting {
    fn key(self) -> &'static str {
        match self {
            Setting::Dicts => "dicts",
            Setting::DictsHash => "dicts_hash",
            Setting::Model => "model",
            Setting::ModelHash => "model_hash",
            Setting::ModelMissing => "model_missing",
            Setting::SelfModel => "self_model",
            Setting::SelfTeachers => "self_teachers",
            Setting::MergeConfig => "merge_config",
            Setting::DocumentFrequencies => "document_frequencies",
            Setting::IndexGeneration => "index_generation",
            Setting::Created => "created",
            Setting::LoopDeadlines => "loop_deadlines",
            Setting::LoopCalendar => "loop_calendar",
            Setting::LoopDuties => "loop_duties",
            Setting::ExportsStale => "exports_stale",
        }
    }
}

impl View<'_> {
    pub fn setting(&self, key: Setting) -> Result<Option<Vec<u8>>> {
        self.conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [key.key()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// A setting stored as text.
    pub fn setting_text(&self, key: Setting) -> Result<Option<String>> {
        self.setting(key)?
            .map(|b| {
                String::from_utf8(b).map_err(|_| Error::Workspace {
                    path: self.path.to_path_buf(),
                    reason: format!("设置 {} 不是文本", key.key()),
                })
            })
            .transpose()
    }

    /// A setting stored as a number (0 when absent).
    pub fn setting_number(&self, key: Setting) -> Result<u64> {
        Ok(self
            .setting_text(key)?
            .and_then(|t| t.parse().ok())
            .unwrap_or(0))
    }

    /// Whether a change was made since the exports were last written.
    pub fn exports_stale(&self) -> Result<bool> {
        Ok(self.setting(Setting::ExportsStale)?.is_some())
    }

    /// The generation the search index must have to agree with this view.
    pub fn index_generation(&self) -> Result<u64> {
        self.setting_number(Setting::IndexGeneration)
    }

    pub fn document_frequencies(&self) -> Result<DocumentFrequencies> {
        match self.setting(Setting::DocumentFrequencies)? {
            Some(bytes) => DocumentFrequencies::decode(&bytes).ok_or_else(|| Error::Workspace {
                path: self.path.to_path_buf(),
                reason: "文档频率数据损坏".into(),
            }),
            None => Ok(DocumentFrequencies::default()),
        }
    }
}

impl Change<'_> {
    pub fn set_setting(&self, key: Setting, value: &[u8]) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                rusqlite::params![key.key(), value],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    pub fn remove_setting(&self, key: Setting) -> Result<()> {
        self.conn()
            .execute("DELETE FROM settings WHERE key = ?1", [key.key()])
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Moves the index generation on by one and returns the new one.
    pub fn next_index_generation(&self) -> Result<u64> {
        let next = self.view().index_generation()? + 1;
        self.set_setting(Setting::IndexGeneration, next.to_string().as_bytes())?;
        Ok(next)
    }
}
