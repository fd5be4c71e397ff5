//! The monthly report in the platforms' own style (HTML, Markdown, XLSX): a lead paragraph
//! (“本月交办问题N个…，按时答复率…，满意率…”), the figures against the month before, by department,
//! level and topic, what is new and rising, the 催办 and 督办 lists, long matters due for
//! follow-up, replies the checks flagged, and the ageing of open matters. The 交办单, 督办单 and
//! lifecycle exports are in [`exports`](super::exports).
//!
//! [`MonthlyReport::build`] gathers everything once; the three renderers (in `render`:
//! [`MonthlyReport::to_markdown`], [`MonthlyReport::to_html`], [`MonthlyReport::to_xlsx`]) write
//! the same tables, so the page, the Markdown and the workbook never disagree. Urgency, follow-up dates, days late
//! and reply flags come from the caller on each [`CaseRow`], as of `as_of`.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::deadlines::Urgency;
use super::metrics::{
    by_department, by_level, by_month, by_topic, collected_counts, topic_of, Breakdown, CaseRow,
    Figures, MonthFigures, Period,
};
use super::reply_check::ReplyFlag;
use super::state::{Event, State};
use crate::date::Date;

mod render;

pub use render::DEFINITIONS;

/// How many months the series at the end of the report shows by default.
pub const SERIES_MONTHS: usize = 6;

/// An open matter in one of the report's lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatterLine {
    pub item: String,
    pub title: String,
    pub enterprise: String,
    pub lead: String,
    pub assigned: Option<Date>,
    pub due: Option<Date>,
    pub state: State,
    pub urgency: Option<Urgency>,
    pub calendar_days_late: Option<i64>,
    pub working_days_late: Option<i64>,
    pub tracked_since: Option<Date>,
    pub last_follow_up: Option<Date>,
    pub follow_up_due: Option<Date>,
}

impl MatterLine {
    fn of(row: &CaseRow, as_of: Date) -> MatterLine {
        let c = &row.case;
        MatterLine {
            item: c.item.clone(),
            title: row.title.clone(),
            enterprise: row.enterprise.clone(),
            lead: c.lead.clone().unwrap_or_default(),
            assigned: c.assigned,
            due: c.due,
            state: c.state,
            urgency: row.urgency,
            calendar_days_late: row.calendar_days_late(as_of),
            working_days_late: row.working_days_late,
            tracked_since: c.tracked_since,
            last_follow_up: c.last_follow_up,
            follow_up_due: row.follow_up_due,
        }
    }
}

/// A reply of the month that the checks flagged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlaggedReply {
    pub item: String,
    pub title: String,
    pub unit: String,
    pub day: Date,
    pub outcome: String,
    /// “答非所问（相关度0.12）”, “漏答（A2、A3）” …
    pub flags: Vec<String>,
}

/// Items collected this month and the month before under one key (topic or merge group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trend {
    pub key: String,
    /// The topic of a group (empty for a topic).
    pub topic: String,
    pub this_month: usize,
    pub last_month: usize,
}

impl Trend {
    /// 新出现, 上升, 下降 or 持平.
    pub fn change(&self) -> &'static str {
        if self.last_month == 0 && self.this_month > 0 {
            "新出现"
        } else if self.this_month > self.last_month {
            "上升"
        } else if self.this_month < self.last_month {
            "下降"
        } else {
            "持平"
        }
    }
}

/// The monthly report, built once and rendered three ways.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyReport {
    pub title: String,
    pub period: Period,
    pub previous: Option<Period>,
    pub as_of: Date,
    /// The last day the figures count: the period's end, or `as_of` if earlier.
    pub cutoff: Date,
    pub figures: Figures,
    /// The month before, measured at its own end; empty figures when there is none.
    pub previous_figures: Figures,
    /// Matters assigned by the cutoff and not 已办结 by then (all months).
    pub open_assigned: usize,
    /// Of those, overdue now (催办 or 督办, by the caller's urgency).
    pub open_overdue: usize,
    /// Of those, 督办.
    pub open_supervise: usize,
    pub by_department: Vec<Breakdown>,
    pub by_level: Vec<Breakdown>,
    pub by_topic: Vec<Breakdown>,
    pub series: Vec<MonthFigures>,
    /// Topics with items collected this month or the month before; most this month first.
    pub topics: Vec<Trend>,
    /// Merge groups with items collected this month and none the month before.
    pub new_groups: Vec<Trend>,
    /// 催办: overdue, not yet 督办. Most days late first.
    pub overdue: Vec<MatterLine>,
    /// 督办: more than the profile's limit past due. Most days late first.
    pub supervise: Vec<MatterLine>,
    /// Open long or old matters with a follow-up date, soonest first.
    pub follow_up: Vec<MatterLine>,
    /// Current replies dated in the period that the checks flagged.
    pub flagged: Vec<FlaggedReply>,
}

impl MonthlyReport {
    /// Builds the report of `month` as it stands on `as_of`, with a series of `series_months`
    /// months ending with it. Empty inputs give an empty, honest report.
    pub fn build(
        rows: &[CaseRow],
        events: &[Event],
        month: Period,
        as_of: Date,
        series_months: usize,
    ) -> MonthlyReport {
        let cutoff = month.cutoff(as_of);
        let previous = month.previous_month();
        let figures = Figures::compute(rows, events, month, as_of);
        let previous_figures = previous
            .map(|p| Figures::compute(rows, events, p, as_of))
            .unwrap_or_default();

        let open: Vec<&CaseRow> = rows
            .iter()
            .filter(|r| r.case.first_assigned.is_some_and(|d| d <= cutoff))
            .filter(|r| {
                !(r.case.state == State::Closed && r.case.closed.is_some_and(|d| d <= cutoff))
            })
            .collect();
        let is = |r: &&CaseRow, u: Urgency| r.urgency == Some(u);
        let open_overdue = open
            .iter()
            .filter(|r| is(r, Urgency::Overdue) || is(r, Urgency::Supervise))
            .count();
        let open_supervise = open.iter().filter(|r| is(r, Urgency::Supervise)).count();

        let late_list = |u: Urgency| {
            let mut lines: Vec<MatterLine> = rows
                .iter()
                .filter(|r| r.urgency == Some(u) && r.case.state != State::Closed)
                .map(|r| MatterLine::of(r, as_of))
                .collect();
            lines.sort_by(|a, b| {
                b.calendar_days_late
                    .cmp(&a.calendar_days_late)
                    .then(b.working_days_late.cmp(&a.working_days_late))
                    .then(a.item.cmp(&b.item))
            });
            lines
        };
        let mut follow_up: Vec<MatterLine> = rows
            .iter()
            .filter(|r| r.follow_up_due.is_some() && r.case.state != State::Closed)
            .map(|r| MatterLine::of(r, as_of))
            .collect();
        follow_up.sort_by(|a, b| {
            a.follow_up_due
                .cmp(&b.follow_up_due)
                .then(a.item.cmp(&b.item))
        });

        let mut flagged: Vec<FlaggedReply> = rows
            .iter()
            .filter(|r| !r.reply_flags.is_empty())
            .filter_map(|r| {
                let reply = r.case.reply()?;
                (month.start <= reply.day && reply.day <= cutoff).then(|| FlaggedReply {
                    item: r.case.item.clone(),
                    title: r.title.clone(),
                    unit: reply.unit.clone(),
                    day: reply.day,
                    outcome: reply.outcome.label().to_string(),
                    flags: r.reply_flags.iter().map(flag_text).collect(),
                })
            })
            .collect();
        flagged.sort_by(|a, b| a.item.cmp(&b.item));

        let (topics, new_groups) = trends(rows, month, previous, as_of);
        MonthlyReport {
            title: format!("{}政企问题交办办理情况月报", month.label()),
            period: month,
            previous,
            as_of,
            cutoff,
            previous_figures,
            open_assigned: open.len(),
            open_overdue,
            open_supervise,
            by_department: by_department(rows, events, month, as_of),
            by_level: by_level(rows, events, month, as_of),
            by_topic: by_topic(rows, events, month, as_of),
            series: by_month(rows, events, month, series_months, as_of),
            topics,
            new_groups,
            overdue: late_list(Urgency::Overdue),
            supervise: late_list(Urgency::Supervise),
            follow_up,
            flagged,
            figures,
        }
    }

    fn this(&self) -> &'static str {
        if self.period.is_month() {
            "本月"
        } else {
            "本期"
        }
    }

    fn at_cutoff(&self) -> String {
        if self.cutoff == self.period.end {
            if self.period.is_month() {
                "截至月底".into()
            } else {
                "截至期末".into()
            }
        } else {
            format!("截至{}月{}日", self.cutoff.month, self.cutoff.day)
        }
    }

    /// The lead paragraph: “本月交办问题N个（其中共性问题M个），按时答复率X%（a/b），满意率Y%（c/d），
    /// 评价覆盖率Z%（e/f）；截至月底累计仍未办结K个，其中逾期J个（含督办I个）。”
    pub fn lead(&self) -> String {
        let f = &self.figures;
        format!(
            "{}交办问题{}个（其中共性问题{}个），按时答复率{}，满意率{}，评价覆盖率{}；{}累计仍未办结{}个，其中逾期{}个（含督办{}个）。",
            self.this(),
            f.assigned,
            f.common_groups,
            f.reply_on_time.text(),
            f.satisfaction.text(),
            f.rating_coverage.text(),
            self.at_cutoff(),
            self.open_assigned,
            self.open_overdue,
            self.open_supervise
        )
    }

    /// A second line: how the figures are taken, so the paragraph is never read as more.
    pub fn meta(&self) -> String {
        let mut s = format!(
            "统计期间：{} 至 {}；统计截至 {}；催办、督办按 {} 的状态。",
            self.period.start, self.period.end, self.cutoff, self.as_of
        );
        if self.figures.assign_undated > 0 {
            let _ = write!(
                s,
                "另有{}个问题无交办时限，未计入交办及时率。",
                self.figures.assign_undated
            );
        }
        s
    }
}

/// Topics with items collected this month or the month before, and groups new this month.
fn trends(
    rows: &[CaseRow],
    month: Period,
    previous: Option<Period>,
    as_of: Date,
) -> (Vec<Trend>, Vec<Trend>) {
    fn topic(r: &CaseRow) -> Option<&str> {
        Some(topic_of(r))
    }
    fn group(r: &CaseRow) -> Option<&str> {
        r.case.group.as_deref()
    }
    let now = collected_counts(rows, month, as_of, topic);
    let before = previous
        .map(|p| collected_counts(rows, p, as_of, topic))
        .unwrap_or_default();
    let mut keys: Vec<&str> = now.keys().chain(before.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    let mut topics: Vec<Trend> = keys
        .into_iter()
        .map(|k| Trend {
            key: k.to_string(),
            topic: String::new(),
            this_month: now.get(k).copied().unwrap_or(0),
            last_month: before.get(k).copied().unwrap_or(0),
        })
        .collect();
    topics.sort_by(|a, b| {
        b.this_month
            .cmp(&a.this_month)
            .then(a.last_month.cmp(&b.last_month))
            .then(a.key.cmp(&b.key))
    });

    let now = collected_counts(rows, month, as_of, group);
    let before = previous
        .map(|p| collected_counts(rows, p, as_of, group))
        .unwrap_or_default();
    let group_topic: BTreeMap<&str, &str> = rows
        .iter()
        .filter_map(|r| Some((r.case.group.as_deref()?, topic_of(r))))
        .collect();
    let mut groups: Vec<Trend> = now
        .iter()
        .filter(|(g, _)| !before.contains_key(*g))
        .map(|(g, n)| Trend {
            key: g.to_string(),
            topic: group_topic.get(g).copied().unwrap_or("").to_string(),
            this_month: *n,
            last_month: 0,
        })
        .collect();
    groups.sort_by(|a, b| b.this_month.cmp(&a.this_month).then(a.key.cmp(&b.key)));
    (topics, groups)
}

/// A flag as the report shows it, with its detail.
pub fn flag_text(flag: &ReplyFlag) -> String {
    match flag {
        // `+ 0.0` turns a negative zero into zero, so no "-0.00" is printed.
        ReplyFlag::OffTopic { relevance } => {
            format!("{}（相关度{:.2}）", flag.label(), relevance + 0.0)
        }
        ReplyFlag::MissesAsks { items } => format!("{}（{}）", flag.label(), items.join("、")),
        ReplyFlag::NoReason => flag.label().to_string(),
        ReplyFlag::Late { days } => format!("{}（{days}天）", flag.label()),
    }
}
