//! Checks a reply before it counts: does it answer its item (答非所问), every ask of a merged
//! group, give a reason or policy when the matter is not solved, and come on time?

use serde::Serialize;

/// Something wrong with a reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum ReplyFlag {
    /// 答非所问: the reply's relevance to the item is below the threshold.
    OffTopic { relevance: f32 },
    /// 漏答: members of a merged group whose asks the reply does not address.
    MissesAsks { items: Vec<String> },
    /// 未说明理由: not solved, and no reason or policy given.
    NoReason,
    /// 超期答复: answered after the due date.
    Late { days: i64 },
}

impl ReplyFlag {
    pub fn label(&self) -> &'static str {
        match self {
            ReplyFlag::OffTopic { .. } => "答非所问",
            ReplyFlag::MissesAsks { .. } => "漏答",
            ReplyFlag::NoReason => "未说明理由或政策依据",
            ReplyFlag::Late { .. } => "超期答复",
        }
    }
}
