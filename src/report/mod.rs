//! Report: builds the lists analysts hand on — the per-enterprise list (一企一清单) and the list
//! of common problems (共性问题清单) ranked by how many enterprises raise each — plus the counts in
//! `summary.json`, and writes them as CSV (UTF-8 with BOM, so Excel reads the Chinese), JSON and
//! a Markdown report to paste from.

mod groups;
mod lists;
mod markdown;
mod summary;
mod tables;

pub use groups::{group_records, GroupMember, GroupRecord};
pub use lists::{build_lists, CommonProblem, EnterpriseList, Lists, ProblemLine};
pub use markdown::render_markdown;
pub use summary::{Counts, Summary};
pub use tables::{write_csv, write_json, write_outputs};
