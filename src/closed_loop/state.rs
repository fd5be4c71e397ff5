//! A matter's lifecycle: the events written to the log, the rules between states, and the
//! [`Case`] folded from a matter's events.
//!
//! States: 待交办 → 已交办 → 办理中 → 已答复 → 已评价 → 已办结, with 退回改派 (back to 待交办),
//! 延期 (a later due date), 重办 (after a 不满意 rating, back to 办理中) and 长期跟踪. The outcome
//! (已解决, 部分解决 …) is kept apart from the state: a closed matter is not a solved one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::date::Date;

/// Where a matter stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 待交办: collected, not yet assigned (or returned for reassignment).
    Pending,
    /// 已交办: assigned to a department, not yet taken up.
    Assigned,
    /// 办理中: the department is handling it (also after 重办).
    InProgress,
    /// 已答复: answered, waiting for the enterprise's rating.
    Replied,
    /// 已评价: rated by the enterprise.
    Rated,
    /// 已办结: closed.
    Closed,
    /// 长期跟踪: a long matter, followed up until it is done.
    LongTerm,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Pending,
        State::Assigned,
        State::InProgress,
        State::Replied,
        State::Rated,
        State::Closed,
        State::LongTerm,
    ];

    pub fn label(self) -> &'static str {
        match self {
            State::Pending => "待交办",
            State::Assigned => "已交办",
            State::InProgress => "办理中",
            State::Replied => "已答复",
            State::Rated => "已评价",
            State::Closed => "已办结",
            State::LongTerm => "长期跟踪",
        }
    }

    /// Waiting for the department: assigned, in progress or followed up as a long matter.
    pub fn awaits_department(self) -> bool {
        matches!(self, State::Assigned | State::InProgress | State::LongTerm)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What the handling achieved, as the department reports it (办理结果).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 已解决
    Solved,
    /// 部分解决
    Partly,
    /// 列入计划
    Planned,
    /// 政策解释
    Explained,
    /// 非本单位职责（已转办）
    NotOurs,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Solved,
        Outcome::Partly,
        Outcome::Planned,
        Outcome::Explained,
        Outcome::NotOurs,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Solved => "已解决",
            Outcome::Partly => "部分解决",
            Outcome::Planned => "列入计划",
            Outcome::Explained => "政策解释",
            Outcome::NotOurs => "非本单位职责（已转办）",
        }
    }

    /// Reads the outcome as departments write it; `None` when it is none of them.
    pub fn parse(text: &str) -> Option<Outcome> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if t.is_empty() {
            return None;
        }
        // Longer phrases first: 部分解决 and 未解决 contain 解决.
        const FORMS: &[(&str, Outcome)] = &[
            ("部分解决", Outcome::Partly),
            ("基本解决", Outcome::Partly),
            ("非本单位", Outcome::NotOurs),
            ("不属于本单位", Outcome::NotOurs),
            ("转办", Outcome::NotOurs),
            ("列入计划", Outcome::Planned),
            ("纳入计划", Outcome::Planned),
            ("列入规划", Outcome::Planned),
            ("纳入规划", Outcome::Planned),
            ("政策解释", Outcome::Explained),
            ("解释说明", Outcome::Explained),
            ("已解释", Outcome::Explained),
            ("已解决", Outcome::Solved),
            ("解决", Outcome::Solved),
        ];
        if t.contains("未解决") || t.contains("没有解决") {
            return None;
        }
        FORMS
            .iter()
            .find(|(form, _)| t.contains(form))
            .map(|(_, o)| *o)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The enterprise's rating of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// 满意
    Satisfied,
    /// 基本满意
    Basic,
    /// 不满意
    Unsatisfied,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Satisfied, Rating::Basic, Rating::Unsatisfied];

    pub fn label(self) -> &'static str {
        match self {
            Rating::Satisfied => "满意",
            Rating::Basic => "基本满意",
            Rating::Unsatisfied => "不满意",
        }
    }

    /// 满意 and 基本满意 count as satisfied in 满意率, as the platforms count them.
    pub fn is_satisfied(self) -> bool {
        !matches!(self, Rating::Unsatisfied)
    }

    /// Reads a rating as rating sheets write it; `None` for anything else (一般, blanks …).
    pub fn parse(text: &str) -> Option<Rating> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        match t.as_str() {
            "满意" | "非常满意" | "很满意" => Some(Rating::Satisfied),
            "基本满意" | "比较满意" | "较满意" => Some(Rating::Basic),
            "不满意" | "很不满意" | "非常不满意" => Some(Rating::Unsatisfied),
            _ => None,
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The level of the handling department, as the platforms report satisfaction (市级 / 区县).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 市级
    City,
    /// 区县
    County,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::City => "市级",
            Level::County => "区县",
        }
    }

    /// A department named after a district or county (吴兴区经信局, 长兴县自然资源局, 经开区管委会)
    /// is 区县; every other one is 市级.
    pub fn of_unit(unit: &str) -> Level {
        let head: Vec<char> = unit.chars().take(8).collect();
        let county = head
            .iter()
            .enumerate()
            .any(|(i, c)| matches!(c, '区' | '县' | '旗') && (1..=6).contains(&i));
        if county {
            Level::County
        } else {
            Level::City
        }
    }
}

/// What happened to a matter. Stored as JSON in the event log; never changed once written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// 交办: to a lead unit (主办) with co-units (协办), answered by `due`.
    Assign {
        lead: String,
        #[serde(default)]
        co: Vec<String>,
        due: Date,
    },
    /// 签收: the department takes the matter up (办理中).
    Accept,
    /// 退回改派: the department says it is not theirs; back to 待交办.
    Return { reason: String },
    /// 延期: a later due date, with the reason.
    Extend { due: Date, reason: String },
    /// 答复: the department's answer. A second reply before the rating supplements the first.
    Reply {
        text: String,
        unit: String,
        outcome: Outcome,
    },
    /// 评价: the enterprise rates the reply.
    Rate { rating: Rating },
    /// 重办: reopened after a 不满意 rating, to be answered again by `due`.
    Reopen { due: Date, reason: String },
    /// 办结: closed.
    Close,
    /// 长期跟踪: a long matter (e.g. 列入计划), followed up until done.
    Track { reason: String },
    /// 跟踪回访: a follow-up of a long or old matter.
    FollowUp,
    /// 撤销: undoes an earlier event of the same matter (by its number).
    Undo { target: i64, reason: String },
}

impl EventKind {
    /// The key stored in the log's `kind` column.
    pub fn key(&self) -> &'static str {
        match self {
            EventKind::Assign { .. } => "assign",
            EventKind::Accept => "accept",
            EventKind::Return { .. } => "return",
            EventKind::Extend { .. } => "extend",
            EventKind::Reply { .. } => "reply",
            EventKind::Rate { .. } => "rate",
            EventKind::Reopen { .. } => "reopen",
            EventKind::Close => "close",
            EventKind::Track { .. } => "track",
            EventKind::FollowUp => "follow_up",
            EventKind::Undo { .. } => "undo",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            EventKind::Assign { .. } => "交办",
            EventKind::Accept => "签收",
            EventKind::Return { .. } => "退回改派",
            EventKind::Extend { .. } => "延期",
            EventKind::Reply { .. } => "答复",
            EventKind::Rate { .. } => "评价",
            EventKind::Reopen { .. } => "重办",
            EventKind::Close => "办结",
            EventKind::Track { .. } => "长期跟踪",
            EventKind::FollowUp => "跟踪回访",
            EventKind::Undo { .. } => "撤销",
        }
    }
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The log's number; 0 for an event not yet written.
    pub seq: i64,
    /// The item the event is about.
    pub item: String,
    /// The merge group the event was made through (assigning or answering a common problem).
    pub group: Option<String>,
    /// The day it happened (the reply's date, the rating's date …).
    pub day: Date,
    /// When it was written to the log (UTC).
    pub recorded: String,
    /// Who wrote it.
    pub actor: String,
    pub kind: EventKind,
    pub note: String,
    /// The sheet row it was imported from (`file:row`), if any.
    pub source: Option<String>,
}

/// One reply in a matter's history, with the due date it was judged against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyRecord {
    pub day: Date,
    pub due: Option<Date>,
    pub text: String,
    pub unit: String,
    pub outcome: Outcome,
    /// The event's number, to point at it.
    pub seq: i64,
}

/// A matter as its events leave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    pub item: String,
    pub state: State,
    pub outcome: Option<Outcome>,
    /// 主办 and 协办 units of the current assignment.
    pub lead: Option<String>,
    pub co: Vec<String>,
    /// The group of the latest assignment, if it was made through one.
    pub group: Option<String>,
    pub first_assigned: Option<Date>,
    /// The latest assignment (after a 退回改派, the reassignment).
    pub assigned: Option<Date>,
    /// The reply is due by this day (after extensions and reopening).
    pub due: Option<Date>,
    /// Every reply, oldest first; the last one is the current answer.
    pub replies: Vec<ReplyRecord>,
    /// Every rating with its day, oldest first.
    pub ratings: Vec<(Date, Rating)>,
    pub closed: Option<Date>,
    pub tracked_since: Option<Date>,
    pub last_follow_up: Option<Date>,
    pub returns: u32,
    pub extensions: u32,
    pub reopens: u32,
    /// The day of the latest event that counted.
    pub last_day: Option<Date>,
}

/// Why an event cannot follow a matter's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    NotAllowed {
        event: &'static str,
        state: State,
    },
    RatingBeforeReply,
    ReopenNeedsUnsatisfied,
    EarlierThanPrevious {
        day: Date,
        previous: Date,
    },
    DueBeforeDay {
        due: Date,
        day: Date,
    },
    ExtensionNotLater {
        due: Date,
        current: Date,
    },
    EmptyUnit,
    UnknownEvent(i64),
    AlreadyUndone(i64),
    UndoOfUndo(i64),
    /// An undo given to [`Case::apply`]: undos are resolved over the whole log ([`fold`]).
    UndoApplied(i64),
    /// Undoing the event would leave a later event with no ground: that one must be undone first.
    UndoBreaksLater {
        target: i64,
        later: i64,
    },
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::NotAllowed { event, state } => write!(f, "“{state}”的事项不能{event}"),
            RuleError::RatingBeforeReply => f.write_str("尚未答复，不能评价"),
            RuleError::ReopenNeedsUnsatisfied => f.write_str("只有评价为“不满意”的事项才能重办"),
            RuleError::EarlierThanPrevious { day, previous } => {
                write!(f, "日期 {day} 早于上一步的日期 {previous}")
            }
            RuleError::DueBeforeDay { due, day } => write!(f, "期限 {due} 早于办理日期 {day}"),
            RuleError::ExtensionNotLater { due, current } => {
                write!(f, "延期后的期限 {due} 不晚于原期限 {current}")
            }
            RuleError::EmptyUnit => f.write_str("承办单位为空"),
            RuleError::UnknownEvent(seq) => write!(f, "该事项没有第 {seq} 号记录"),
            RuleError::AlreadyUndone(seq) => write!(f, "第 {seq} 号记录已撤销"),
            RuleError::UndoOfUndo(seq) => write!(f, "第 {seq} 号记录是撤销，不能再撤销"),
            RuleError::UndoApplied(target) => {
                write!(f, "撤销第 {target} 号记录须按整条记录重新计算")
            }
            RuleError::UndoBreaksLater { target, later } => write!(
                f,
                "撤销第 {target} 号记录后，第 {later} 号记录就不成立了：请先撤销第 {later} 号"
            ),
        }
    }
}

impl std::error::Error for RuleError {}

impl Case {
    /// A matter nothing has happened to yet.
    pub fn pending(item: &str) -> Case {
        Case {
            item: item.to_string(),
            state: State::Pending,
            outcome: None,
            lead: None,
            co: Vec::new(),
            group: None,
            first_assigned: None,
            assigned: None,
            due: None,
            replies: Vec::new(),
            ratings: Vec::new(),
            closed: None,
            tracked_since: None,
            last_follow_up: None,
            returns: 0,
            extensions: 0,
            reopens: 0,
            last_day: None,
        }
    }

    /// The current reply, if any.
    pub fn reply(&self) -> Option<&ReplyRecord> {
        self.replies.last()
    }

    /// The rating of the current reply, if it has one.
    pub fn rating(&self) -> Option<Rating> {
        let reply = self.reply()?;
        self.ratings
            .last()
            .filter(|(day, _)| *day >= reply.day)
            .map(|(_, r)| *r)
            .filter(|_| matches!(self.state, State::Rated | State::Closed | State::LongTerm))
    }

    /// Applies one event (not an undo), or says why it cannot follow.
    pub fn apply(&mut self, event: &Event) -> Result<(), RuleError> {
        let day = event.day;
        if let Some(previous) = self.last_day {
            if day < previous {
                return Err(RuleError::EarlierThanPrevious { day, previous });
            }
        }
        let state = self.state;
        let not_allowed = |kind: &EventKind| RuleError::NotAllowed {
            event: kind.label(),
            state,
        };
        match &event.kind {
            EventKind::Assign { lead, co, due } => {
                if state != State::Pending {
                    return Err(not_allowed(&event.kind));
                }
                if lead.trim().is_empty() {
                    return Err(RuleError::EmptyUnit);
                }
                if *due < day {
                    return Err(RuleError::DueBeforeDay { due: *due, day });
                }
                self.state = State::Assigned;
                self.lead = Some(lead.clone());
                self.co = co.clone();
                self.group = event.group.clone();
                self.first_assigned.get_or_insert(day);
                self.assigned = Some(day);
                self.due = Some(*due);
            }
            EventKind::Accept => {
                if state != State::Assigned {
                    return Err(not_allowed(&event.kind));
                }
                self.state = State::InProgress;
            }
            EventKind::Return { .. } => {
                if !matches!(state, State::Assigned | State::InProgress) {
                    return Err(not_allowed(&event.kind));
                }
                self.state = State::Pending;
                self.lead = None;
                self.co.clear();
                self.due = None;
                self.returns += 1;
            }
            EventKind::Extend { due, .. } => {
                if !state.awaits_department() {
                    return Err(not_allowed(&event.kind));
                }
                if let Some(current) = self.due {
                    if *due <= current {
                        return Err(RuleError::ExtensionNotLater { due: *due, current });
                    }
                }
                self.due = Some(*due);
                self.extensions += 1;
            }
            EventKind::Reply {
                text,
                unit,
                outcome,
            } => {
                if !(state.awaits_department() || state == State::Replied) {
                    return Err(not_allowed(&event.kind));
                }
                if unit.trim().is_empty() {
                    return Err(RuleError::EmptyUnit);
                }
                self.state = State::Replied;
                self.outcome = Some(*outcome);
                self.replies.push(ReplyRecord {
                    day,
                    due: self.due,
                    text: text.clone(),
                    unit: unit.clone(),
                    outcome: *outcome,
                    seq: event.seq,
                });
            }
            EventKind::Rate { rating } => {
                if self.replies.is_empty() || state.awaits_department() || state == State::Pending {
                    return Err(RuleError::RatingBeforeReply);
                }
                if state != State::Replied {
                    return Err(not_allowed(&event.kind));
                }
                self.state = State::Rated;
                self.ratings.push((day, *rating));
            }
            EventKind::Reopen { due, .. } => {
                if state == State::Replied {
                    return Err(RuleError::ReopenNeedsUnsatisfied);
                }
                if !matches!(state, State::Rated | State::Closed) {
                    return Err(not_allowed(&event.kind));
                }
                if self.rating() != Some(Rating::Unsatisfied) {
                    return Err(RuleError::ReopenNeedsUnsatisfied);
                }
                if *due < day {
                    return Err(RuleError::DueBeforeDay { due: *due, day });
                }
                self.state = State::InProgress;
                self.due = Some(*due);
                self.closed = None;
                self.reopens += 1;
            }
            EventKind::Close => {
                if !matches!(state, State::Replied | State::Rated | State::LongTerm) {
                    return Err(not_allowed(&event.kind));
                }
                self.state = State::Closed;
                self.closed = Some(day);
            }
            EventKind::Track { .. } => {
                if !matches!(
                    state,
                    State::Assigned | State::InProgress | State::Replied | State::Rated
                ) {
                    return Err(not_allowed(&event.kind));
                }
                // Tracked after its answer, a matter waits for follow-ups, not for a reply.
                if matches!(state, State::Replied | State::Rated) {
                    self.due = None;
                }
                self.state = State::LongTerm;
                self.tracked_since = Some(day);
            }
            EventKind::FollowUp => {
                if matches!(state, State::Pending | State::Closed) {
                    return Err(not_allowed(&event.kind));
                }
                self.last_follow_up = Some(day);
            }
            // An undo changes which events count, so it is resolved by `fold`, never applied.
            EventKind::Undo { target, .. } => return Err(RuleError::UndoApplied(*target)),
        }
        self.last_day = Some(day);
        Ok(())
    }
}

/// The events a 撤销 undid, as (matter, event number).
pub fn undone_events(events: &[Event]) -> std::collections::HashSet<(&str, i64)> {
    events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Undo { target, .. } => Some((e.item.as_str(), target)),
            _ => None,
        })
        .collect()
}

/// A matter's history that does not hold: the first event that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLog {
    pub item: String,
    pub seq: i64,
    pub rule: RuleError,
}

impl fmt::Display for BrokenLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "事项 {} 的第 {} 号记录不成立: {}",
            self.item, self.seq, self.rule
        )
    }
}

/// The whole log as each matter's own, in log order.
pub fn logs_by_item(events: &[Event]) -> BTreeMap<&str, Vec<Event>> {
    let mut logs: BTreeMap<&str, Vec<Event>> = BTreeMap::new();
    for e in events {
        logs.entry(e.item.as_str()).or_default().push(e.clone());
    }
    logs
}

/// Folds a matter's events (in log order) into its case. An event undone by a later 撤销 is
/// skipped. On a broken history, says which event is the first that does not hold.
pub fn fold(item: &str, events: &[Event]) -> Result<Case, BrokenLog> {
    let undone: BTreeSet<i64> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Undo { target, .. } => Some(target),
            _ => None,
        })
        .collect();
    let mut case = Case::pending(item);
    for event in events {
        if matches!(event.kind, EventKind::Undo { .. }) || undone.contains(&event.seq) {
            continue;
        }
        case.apply(event).map_err(|rule| BrokenLog {
            item: item.to_string(),
            seq: event.seq,
            rule,
        })?;
    }
    Ok(case)
}

/// Checks that `new` may follow `events` (the matter's log so far) and returns the case it leaves.
pub fn check_append(item: &str, events: &[Event], new: &Event) -> Result<Case, RuleError> {
    if let EventKind::Undo { target, .. } = new.kind {
        let Some(undone) = events.iter().find(|e| e.seq == target) else {
            return Err(RuleError::UnknownEvent(target));
        };
        if matches!(undone.kind, EventKind::Undo { .. }) {
            return Err(RuleError::UndoOfUndo(target));
        }
        let already = events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Undo { target: t, .. } if t == target));
        if already {
            return Err(RuleError::AlreadyUndone(target));
        }
        let mut all = events.to_vec();
        all.push(new.clone());
        return fold(item, &all).map_err(|broken| RuleError::UndoBreaksLater {
            target,
            later: broken.seq,
        });
    }
    let mut case = fold(item, events).map_err(|broken| broken.rule)?;
    case.apply(new)?;
    Ok(case)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn ev(seq: i64, day: &str, kind: EventKind) -> Event {
        Event {
            seq,
            item: "A1".into(),
            group: None,
            day: d(day),
            recorded: String::new(),
            actor: "测试".into(),
            kind,
            note: String::new(),
            source: None,
        }
    }

    fn assign(seq: i64, day: &str, due: &str) -> Event {
        ev(
            seq,
            day,
            EventKind::Assign {
                lead: "市自然资源和规划局".into(),
                co: vec![],
                due: d(due),
            },
        )
    }

    fn reply(seq: i64, day: &str, outcome: Outcome) -> Event {
        ev(
            seq,
            day,
            EventKind::Reply {
                text: "已协调解决".into(),
                unit: "市自然资源和规划局".into(),
                outcome,
            },
        )
    }

    fn rate(seq: i64, day: &str, rating: Rating) -> Event {
        ev(seq, day, EventKind::Rate { rating })
    }

    /// Appends events one by one as the store does, failing on the first refused one.
    fn log(events: Vec<Event>) -> Result<(Vec<Event>, Case), RuleError> {
        let mut done: Vec<Event> = Vec::new();
        let mut case = Case::pending("A1");
        for e in events {
            case = check_append("A1", &done, &e)?;
            done.push(e);
        }
        Ok((done, case))
    }

    #[test]
    fn the_whole_loop() {
        let (_, case) = log(vec![
            assign(1, "2025-03-03", "2025-03-17"),
            ev(2, "2025-03-04", EventKind::Accept),
            reply(3, "2025-03-12", Outcome::Solved),
            rate(4, "2025-03-20", Rating::Satisfied),
            ev(5, "2025-03-21", EventKind::Close),
        ])
        .unwrap();
        assert_eq!(case.state, State::Closed);
        assert_eq!(case.outcome, Some(Outcome::Solved));
        assert_eq!(case.rating(), Some(Rating::Satisfied));
        assert_eq!(case.reply().unwrap().due, Some(d("2025-03-17")));
        assert_eq!(case.closed, Some(d("2025-03-21")));
    }

    #[test]
    fn no_rating_before_a_reply() {
        let err = log(vec![
            assign(1, "2025-03-03", "2025-03-17"),
            rate(2, "2025-03-05", Rating::Satisfied),
        ])
        .unwrap_err();
        assert_eq!(err, RuleError::RatingBeforeReply);
        assert_eq!(
            log(vec![rate(1, "2025-03-05", Rating::Basic)]).unwrap_err(),
            RuleError::RatingBeforeReply
        );
    }

    #[test]
    fn reopen_only_after_unsatisfied_and_counted() {
        let base = vec![
            assign(1, "2025-03-03", "2025-03-17"),
            reply(2, "2025-03-10", Outcome::Explained),
        ];
        let mut happy = base.clone();
        happy.push(rate(3, "2025-03-11", Rating::Basic));
        happy.push(ev(
            4,
            "2025-03-12",
            EventKind::Reopen {
                due: d("2025-03-26"),
                reason: "再看看".into(),
            },
        ));
        assert_eq!(log(happy).unwrap_err(), RuleError::ReopenNeedsUnsatisfied);

        let mut unhappy = base;
        unhappy.push(rate(3, "2025-03-11", Rating::Unsatisfied));
        unhappy.push(ev(
            4,
            "2025-03-12",
            EventKind::Reopen {
                due: d("2025-03-26"),
                reason: "企业不满意".into(),
            },
        ));
        unhappy.push(reply(5, "2025-03-20", Outcome::Solved));
        unhappy.push(rate(6, "2025-03-21", Rating::Satisfied));
        let (_, case) = log(unhappy).unwrap();
        assert_eq!(case.reopens, 1);
        assert_eq!(case.replies.len(), 2);
        assert_eq!(case.replies[1].due, Some(d("2025-03-26")));
        assert_eq!(case.rating(), Some(Rating::Satisfied));
        assert_eq!(case.ratings.len(), 2);
    }

    #[test]
    fn return_and_reassign_and_extension() {
        let (_, case) = log(vec![
            assign(1, "2025-03-03", "2025-03-17"),
            ev(
                2,
                "2025-03-04",
                EventKind::Return {
                    reason: "非本单位职责".into(),
                },
            ),
            ev(
                3,
                "2025-03-05",
                EventKind::Assign {
                    lead: "市住房和城乡建设局".into(),
                    co: vec!["市交通运输局".into()],
                    due: d("2025-03-19"),
                },
            ),
            ev(
                4,
                "2025-03-18",
                EventKind::Extend {
                    due: d("2025-03-31"),
                    reason: "需现场勘查".into(),
                },
            ),
        ])
        .unwrap();
        assert_eq!(case.state, State::Assigned);
        assert_eq!(case.returns, 1);
        assert_eq!(case.extensions, 1);
        assert_eq!(case.first_assigned, Some(d("2025-03-03")));
        assert_eq!(case.assigned, Some(d("2025-03-05")));
        assert_eq!(case.due, Some(d("2025-03-31")));
        assert_eq!(case.lead.as_deref(), Some("市住房和城乡建设局"));

        let shorter = log(vec![
            assign(1, "2025-03-03", "2025-03-17"),
            ev(
                2,
                "2025-03-04",
                EventKind::Extend {
                    due: d("2025-03-10"),
                    reason: String::new(),
                },
            ),
        ]);
        assert!(matches!(shorter, Err(RuleError::ExtensionNotLater { .. })));
    }

    #[test]
    fn undo_by_a_later_event() {
        let (events, case) = log(vec![
            assign(1, "2025-03-03", "2025-03-17"),
            reply(2, "2025-03-10", Outcome::Solved),
            rate(3, "2025-03-11", Rating::Unsatisfied),
        ])
        .unwrap();
        assert_eq!(case.state, State::Rated);
        // The reply cannot go while the rating stands on it.
        let undo_reply = ev(
            4,
            "2025-03-12",
            EventKind::Undo {
                target: 2,
                reason: "录错".into(),
            },
        );
        assert_eq!(
            check_append("A1", &events, &undo_reply).unwrap_err(),
            RuleError::UndoBreaksLater {
                target: 2,
                later: 3
            }
        );
        // Undo the rating, then the reply: the matter is back to 已交办, and the log still has all.
        let undo_rating = ev(
            4,
            "2025-03-12",
            EventKind::Undo {
                target: 3,
                reason: "评价录错".into(),
            },
        );
        let case = check_append("A1", &events, &undo_rating).unwrap();
        assert_eq!(case.state, State::Replied);
        let mut events = events;
        events.push(undo_rating.clone());
        assert_eq!(
            check_append("A1", &events, &undo_rating).unwrap_err(),
            RuleError::AlreadyUndone(3)
        );
        let undo_reply = Event {
            seq: 5,
            ..undo_reply
        };
        let case = check_append("A1", &events, &undo_reply).unwrap();
        assert_eq!(case.state, State::Assigned);
        assert!(case.replies.is_empty() && case.ratings.is_empty());
        events.push(undo_reply);
        let undo_undo = ev(
            6,
            "2025-03-12",
            EventKind::Undo {
                target: 4,
                reason: String::new(),
            },
        );
        assert_eq!(
            check_append("A1", &events, &undo_undo).unwrap_err(),
            RuleError::UndoOfUndo(4)
        );
        assert_eq!(
            check_append(
                "A1",
                &events,
                &ev(
                    6,
                    "2025-03-12",
                    EventKind::Undo {
                        target: 99,
                        reason: String::new()
                    }
                )
            )
            .unwrap_err(),
            RuleError::UnknownEvent(99)
        );
    }

    #[test]
    fn dates_go_forward_and_units_are_named() {
        assert!(matches!(
            log(vec![
                assign(1, "2025-03-03", "2025-03-17"),
                reply(2, "2025-03-01", Outcome::Solved),
            ]),
            Err(RuleError::EarlierThanPrevious { .. })
        ));
        assert!(matches!(
            log(vec![assign(1, "2025-03-03", "2025-03-01")]),
            Err(RuleError::DueBeforeDay { .. })
        ));
        let no_unit = ev(
            1,
            "2025-03-03",
            EventKind::Assign {
                lead: " ".into(),
                co: vec![],
                due: d("2025-03-17"),
            },
        );
        assert_eq!(log(vec![no_unit]).unwrap_err(), RuleError::EmptyUnit);
    }

    #[test]
    fn long_matters_and_closing() {
        let (_, case) = log(vec![
            assign(1, "2025-01-06", "2025-01-20"),
            reply(2, "2025-01-15", Outcome::Planned),
            ev(
                3,
                "2025-01-16",
                EventKind::Track {
                    reason: "列入明年计划".into(),
                },
            ),
            ev(4, "2025-04-10", EventKind::FollowUp),
            ev(5, "2025-07-01", EventKind::FollowUp),
        ])
        .unwrap();
        assert_eq!(case.state, State::LongTerm);
        assert_eq!(case.due, None, "answered: no reply is due any more");
        assert_eq!(case.tracked_since, Some(d("2025-01-16")));
        assert_eq!(case.last_follow_up, Some(d("2025-07-01")));
        assert_eq!(case.outcome, Some(Outcome::Planned));
        // A pending matter cannot be closed.
        assert!(matches!(
            log(vec![ev(1, "2025-01-06", EventKind::Close)]),
            Err(RuleError::NotAllowed { .. })
        ));
    }

    #[test]
    fn outcome_rating_and_level_words() {
        assert_eq!(Outcome::parse("已解决"), Some(Outcome::Solved));
        assert_eq!(Outcome::parse("部分解决"), Some(Outcome::Partly));
        assert_eq!(Outcome::parse("未解决"), None);
        assert_eq!(
            Outcome::parse("非本单位职责（已转办）"),
            Some(Outcome::NotOurs)
        );
        assert_eq!(Outcome::parse("纳入计划"), Some(Outcome::Planned));
        assert_eq!(Outcome::parse(""), None);
        assert_eq!(Rating::parse(" 基本满意 "), Some(Rating::Basic));
        assert_eq!(Rating::parse("一般"), None);
        assert!(!Rating::Unsatisfied.is_satisfied() && Rating::Basic.is_satisfied());
        assert_eq!(Level::of_unit("吴兴区经济和信息化局"), Level::County);
        assert_eq!(Level::of_unit("长兴县自然资源和规划局"), Level::County);
        assert_eq!(Level::of_unit("市自然资源和规划局"), Level::City);
        assert_eq!(Level::of_unit("湖州市市场监督管理局"), Level::City);
        assert_eq!(Level::of_unit("地方金融管理局"), Level::City);
    }
}
