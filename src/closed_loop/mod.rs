//! The closed loop (闭环): 交办 → 办理 → 答复 → 评价 → 分析, on every item of a workspace.
//!
//! A matter's history is an append-only list of [`Event`]s; its current [`Case`] (state,
//! outcome, due date, counts) is folded from them, and a mistake is undone by a later event, never
//! by an edit. Assigning a common problem (a merge group) writes one event per member, so a member
//! keeps its history when the group is corrected later.
//!
//! The parts, each in its own file: [`state`] (events and the rules between states),
//! [`calendar`] (working days, official holidays and make-up workdays), [`deadlines`] (deadline
//! profiles and how urgent an open matter is), [`routing`] (which department should handle an
//! item), [`reply_check`] (whether a reply answers its item), [`sheets`] (reply and rating sheets
//! read with the ingest rules), [`metrics`] (the figures of the analysis), [`monthly`] (the
//! monthly report) and [`exports`] (the 交办单, 督办单 and lifecycle exports).
//!
//! The loop comes after [`report`](crate::report) in the pipeline: it may use every stage, and
//! none uses it.

#[cfg(test)]
mod analysis_tests;
pub mod calendar;
pub mod deadlines;
pub mod evaluate;
pub mod exports;
pub mod metrics;
pub mod monthly;
pub mod reply_check;
pub mod routing;
pub mod sheets;
pub mod state;

pub use state::{Case, Event, EventKind, Level, Outcome, Rating, RuleError, State};
