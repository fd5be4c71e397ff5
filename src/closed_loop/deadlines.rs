//! Deadline profiles (湖州 style, hotline working days by kind of matter, follow-up of long
//! matters) and how urgent an open matter is.

use serde::Serialize;

/// How an open matter stands against its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Not due soon.
    OnTrack,
    /// 即将到期: due within the profile's warning window.
    DueSoon,
    /// 已逾期（催办）: past its due date.
    Overdue,
    /// 严重逾期（督办）: more than the profile's limit (5 working days) past its due date.
    Supervise,
}

impl Urgency {
    pub fn label(self) -> &'static str {
        match self {
            Urgency::OnTrack => "正常",
            Urgency::DueSoon => "即将到期",
            Urgency::Overdue => "逾期（催办）",
            Urgency::Supervise => "严重逾期（督办）",
        }
    }
}
