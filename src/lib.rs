//! qingdan (清单) turns collected Chinese enterprise suggestions (意见建议) into lists people can
//! act on: topics, merged similar items, the per-enterprise list (一企一清单), the list of common
//! problems (共性问题清单), a search index and a report.
//!
//! The pipeline's stages are the modules, in order:
//! [`ingest`] → [`normalize`] → [`segment`] → [`topics`] → [`merge`] → [`index`] → [`clusters`]
//! → [`report`]. A stage may use an earlier one, never a later one. [`clusters`] splits a built
//! workspace's items into sub-problems (TF-IDF, SVD, KMeans) and finds similar items in an
//! [`index`]; [`report`] puts clusters into the meeting pack.
//!
//! [`vectors`] holds the sparse-vector primitives (sparse vectors, TF-IDF, packed vectors,
//! character bigrams) that [`topics`], [`merge`], [`clusters`] and [`pairs`] share; it is below
//! every stage and imports none. [`pairs`] measures the merge's similarity on labelled sentence
//! pairs. [`pipeline`] runs the per-item stages in parallel; [`config`] is the validated
//! configuration the binary builds from its arguments.
//!
//! [`store`] is the workspace's one database, its only state; [`workspace`] runs the commands
//! that change or read a workspace on it (keeping the search index in step) and writes the
//! exports people read. [`web`] is the workbench (`qingdan serve`): those commands and reads as
//! web pages, for analysts, departments and readers.

pub mod closed_loop;
pub mod clusters;
pub mod config;
pub mod corpus;
pub mod date;
pub mod dicts;
pub mod disjoint;
mod error;
pub mod eval;
pub mod failpoint;
pub mod index;
pub mod ingest;
pub mod memory;
pub mod merge;
pub mod normalize;
pub mod pairs;
pub mod pipeline;
pub mod progress;
pub mod record;
pub mod report;
pub mod segment;
pub mod store;
pub mod topics;
pub mod training;
pub mod vectors;
pub mod web;
pub mod workspace;

pub use error::{Error, Result};
