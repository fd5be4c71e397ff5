//! qingdan (清单) turns collected Chinese enterprise suggestions (意见建议) into lists people can
//! act on: topics, merged similar items, the per-enterprise list (一企一清单), the list of common
//! problems (共性问题清单), a search index and a report.
//!
//! The pipeline's stages are the modules, in order:
//! [`ingest`] → [`normalize`] → [`segment`] → [`topics`] → [`merge`] → [`index`] → [`report`].
//! [`pipeline`] runs the per-item stages in parallel; [`workspace`] writes and reads the output
//! folder; [`config`] is the validated configuration the binary builds from its arguments.
//! [`clusters`] splits a built workspace's items into sub-problems (TF-IDF, SVD, KMeans).

pub mod clusters;
pub mod config;
pub mod corpus;
pub mod date;
pub mod dicts;
mod error;
pub mod eval;
pub mod index;
pub mod ingest;
pub mod merge;
pub mod normalize;
pub mod pairs;
pub mod pipeline;
pub mod progress;
pub mod record;
pub mod report;
pub mod segment;
pub mod topics;
pub mod training;
pub mod workspace;

pub use error::{Error, Result};
