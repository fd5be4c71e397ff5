//! The figures of the analysis (分析): 交办及时率, 按时答复率, 答复率, 办结率, 解决率, 满意率 and
//! 评价覆盖率, median days to reply, 重办率, 退回率 and ageing bands, by department, topic, level
//! and month.

use serde::Serialize;

use super::deadlines::Urgency;
use super::reply_check::ReplyFlag;
use super::state::Case;
use crate::date::Date;

/// A matter with what the analysis needs to know about its item.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    pub case: Case,
    pub title: String,
    pub enterprise: String,
    /// The item's main topic.
    pub topic: String,
    pub region: String,
    /// The day the item was collected (its date), if known.
    pub collected: Option<Date>,
    /// The day it should have been assigned by (from the deadline profile).
    pub assign_due: Option<Date>,
    /// For a matter waiting for its department: how it stands against its due date.
    pub urgency: Option<Urgency>,
    /// For a long or old matter: when its next follow-up is due.
    pub follow_up_due: Option<Date>,
    /// What the checks found in the current reply.
    pub reply_flags: Vec<ReplyFlag>,
}
