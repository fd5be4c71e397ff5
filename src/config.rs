//! The validated configuration of a run, built from the command line: paths checked, column
//! overrides parsed, dictionaries loaded. The binary's clap layer stays thin.

use std::path::PathBuf;

use crate::corpus::corpus_batch;
use crate::dicts::Dicts;
use crate::ingest::{read_batch, Batch, ColumnOverrides, IngestOptions};
use crate::{Error, Result};

/// Where the items of a run come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inputs {
    /// The corpus shipped inside the binary.
    ShippedCorpus,
    Files(Vec<PathBuf>),
}

/// Everything a run or add needs, checked.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub inputs: Inputs,
    pub ingest: IngestOptions,
    pub dicts: Dicts,
    pub quiet: bool,
}

impl RunConfig {
    /// Checks the inputs exist, parses `--column` overrides and loads the dictionaries.
    pub fn new(
        inputs: Vec<PathBuf>,
        sheet: Option<String>,
        columns: &[String],
        dicts_dir: Option<PathBuf>,
        quiet: bool,
    ) -> Result<Self> {
        for p in &inputs {
            if !p.is_file() {
                return Err(Error::io(
                    p,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "文件不存在"),
                ));
            }
        }
        Ok(RunConfig {
            inputs: if inputs.is_empty() {
                Inputs::ShippedCorpus
            } else {
                Inputs::Files(inputs)
            },
            ingest: IngestOptions {
                sheet,
                columns: ColumnOverrides::parse(columns)?,
            },
            dicts: Dicts::load(dicts_dir.as_deref())?,
            quiet,
        })
    }

    /// Reads and validates the inputs.
    pub fn read_batch(&self) -> Result<Batch> {
        match &self.inputs {
            Inputs::ShippedCorpus => corpus_batch(&self.ingest),
            Inputs::Files(paths) => read_batch(paths, &self.ingest),
        }
    }
}
