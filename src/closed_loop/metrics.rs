//! The figures of the analysis (分析): 交办及时率, 按时答复率, 答复率, 办结率, 解决率, 满意率 and
//! 评价覆盖率, median days to reply, 重办率, 退回率 and ageing bands, by department, topic, level
//! and month.
//!
//! Every rate is a [`Ratio`] — numerator and denominator, never a bare percentage — and a rate
//! with nothing to count shows “—”, not 0% or 100%. The functions are pure: they read matters
//! ([`CaseRow`]), the event log and dates, never the store.
//!
//! # When a figure is taken
//!
//! A period is measured at its **cutoff**: its last day, or `as_of` (today) when the period is not
//! over yet. Anything dated after the cutoff (a reply, a rating, a close) has not happened for the
//! period, so last month's figures read the same whether the report is run on the 1st or the 20th.
//! “In the period” below means dated from the period's first day to its cutoff.
//!
//! # Definitions (quoted by the README)
//!
//! - **交办问题 (assigned)**: matters (items) whose *first* assignment is in the period; a matter
//!   returned and reassigned counts once, in the month it was first assigned. **共性问题** among
//!   them: the distinct merge groups they were assigned through, each counted once.
//! - **交办及时率**: of the matters first assigned in the period that have a deadline for
//!   assigning (`assign_due`), those first assigned on or before it. Matters without `assign_due`
//!   are left out of both sides and counted in `assign_undated`.
//! - **按时答复率**: reply cycles due in the period. Each reply is judged against the due date it
//!   was given when it came (`ReplyRecord::due`, after extensions); a later reply with the same due
//!   date supplements the one before and is not a new cycle; a reopened matter's new reply is a new
//!   cycle with its new due date. A matter still waiting for its department (已交办, 办理中, or
//!   长期跟踪 with no reply yet) has one open cycle due on its current due date. A cycle counts
//!   when its due date is in the period and either the due date has passed by the cutoff or the
//!   reply came by the cutoff; it is on time when the reply came on or before its due date. A
//!   cycle still unanswered after its due date counts as late. A matter returned (退回改派) and
//!   not yet reassigned waits for the coordinator, not a department: it has no open cycle.
//! - **答复率**: of the matters first assigned in the period, those with a reply by the cutoff.
//! - **办结率**: of the matters first assigned in the period, those 已办结 by the cutoff.
//! - **解决率**: of the matters replied in the period (at least one reply dated in it), those
//!   whose latest reply by the cutoff says 已解决. 部分解决, 列入计划, 政策解释 and 转办 are not
//!   resolutions.
//! - **满意率**: of the ratings given in the period (each rating counts, so a matter rated 不满意
//!   and, after 重办, 满意 in the same month counts twice), those 满意 or 基本满意.
//! - **评价覆盖率**: of the matters replied in the period, those whose latest reply in the period
//!   was rated by the cutoff (a rating dated on or after that reply).
//! - **答复用时中位数**: for the matters whose *first* reply is in the period, the calendar days
//!   from the latest assignment on or before that reply to the reply; the median (the mean of the
//!   two middle values for an even count); none when no matter qualifies.
//! - **重办率**: matters with a 重办 dated in the period / matters with a rating dated in the
//!   period. Both sides count the period's events, so a matter rated late last month and reopened
//!   this month counts above and not below: on small numbers the ratio can exceed 100%.
//! - **退回率**: 退回改派 events dated in the period / 交办 events dated in the period
//!   (reassignments included). Like 重办率, a return of last month's assignment counts in the month
//!   of the return. An event undone by 撤销 does not count anywhere.
//! - **账龄 (ageing)**: matters open at the cutoff — not 已办结 by then (a matter closed later, or
//!   reopened, is open) — aged from their first assignment, or from their collection if not yet
//!   assigned by then, to the cutoff, in four disjoint bands: ≤ 28 days (≤ 4 周), 29–56 days
//!   (4–8 周), 57–182 days (8 周–6 个月) and > 182 days (> 6 个月). “More than 8 weeks” is the sum
//!   of the last two ([`Ageing::over_8_weeks`]). A matter never assigned and with no collection
//!   date has no age and is counted in `undated`; one that starts after the cutoff is left out.
//!
//! # Breakdowns
//!
//! - **By department**: a matter belongs to its lead unit (主办) — the current one, or after a
//!   退回改派 not yet reassigned the one it was returned by; co-units (协办) are not counted. Matters
//!   never assigned go under “（未交办）”. 交办 events count for the unit they assigned to and
//!   退回改派 events for the unit that returned, whichever unit the matter is with now.
//! - **By level**: [`Level::of_unit`] of the department; matters never assigned are left out.
//! - **By topic**: the item's main topic; “（无主题）” when it has none.
//! - **By month**: the same figures for each of the last N calendar months.
//!
//! A key appears only when something in it counts in the period (an assignment, a due reply, a
//! rating, a return …) or it has open matters. Keys are ordered by matters assigned in the period
//! (most first), then by all its matters, then by name.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;

use super::deadlines::Urgency;
use super::reply_check::ReplyFlag;
use super::state::{Case, Event, EventKind, Level, Outcome, State};
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
    /// For an overdue matter (urgency 逾期 or 督办): working days past its due date as the caller's
    /// calendar counts them (holidays and 调休 included), for the 督办单 and the overdue lists.
    /// Calendar days late are worked out here from the due date. Added for the exports.
    pub working_days_late: Option<i64>,
}

impl CaseRow {
    /// A row with only the case known: empty texts, no dates, no urgency, no flags.
    pub fn new(case: Case) -> CaseRow {
        CaseRow {
            case,
            title: String::new(),
            enterprise: String::new(),
            topic: String::new(),
            region: String::new(),
            collected: None,
            assign_due: None,
            urgency: None,
            follow_up_due: None,
            reply_flags: Vec::new(),
            working_days_late: None,
        }
    }

    /// Calendar days past the current due date on `as_of`, for a matter still waiting for its
    /// department; `None` when it is not waiting or not late.
    pub fn calendar_days_late(&self, as_of: Date) -> Option<i64> {
        let awaiting = self.case.state.awaits_department();
        let late = self.case.due.map(|due| due.days_until(as_of))?;
        (awaiting && late > 0).then_some(late)
    }
}

/// A span of days, both ends included; usually a calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Period {
    pub start: Date,
    pub end: Date,
}

impl Period {
    /// A calendar month; `None` for a month that does not exist.
    pub fn month(year: i32, month: u32) -> Option<Period> {
        Date::new(year, month, 1).map(Period::of_month)
    }

    /// The calendar month a day is in.
    pub fn of_month(day: Date) -> Period {
        Period {
            start: day.month_start(),
            end: day.month_end(),
        }
    }

    pub fn contains(&self, day: Date) -> bool {
        self.start <= day && day <= self.end
    }

    /// The calendar month before the one this period starts in.
    pub fn previous_month(&self) -> Option<Period> {
        self.start.month_start().add_days(-1).map(Period::of_month)
    }

    /// Whether the period is exactly one calendar month.
    pub fn is_month(&self) -> bool {
        *self == Period::of_month(self.start)
    }

    /// The last day that counts when the period is measured on `as_of`.
    pub fn cutoff(&self, as_of: Date) -> Date {
        self.end.min(as_of)
    }

    /// “2025年3月” for a month, “2025-03-01 至 2025-03-15” otherwise.
    pub fn label(&self) -> String {
        if self.is_month() {
            format!("{}年{}月", self.start.year, self.start.month)
        } else {
            format!("{} 至 {}", self.start, self.end)
        }
    }

    /// The `n` calendar months ending with this period's month, oldest first.
    pub fn last_months(&self, n: usize) -> Vec<Period> {
        let mut out = Vec::with_capacity(n);
        let mut month = Some(Period::of_month(self.start));
        while out.len() < n {
            let Some(m) = month else { break };
            out.push(m);
            month = m.previous_month();
        }
        out.reverse();
        out
    }
}

/// A rate as numerator over denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Ratio {
    pub num: usize,
    pub den: usize,
}

impl Ratio {
    pub fn new(num: usize, den: usize) -> Ratio {
        Ratio { num, den }
    }

    /// The rate as a fraction; `None` when there is nothing to count.
    pub fn value(self) -> Option<f64> {
        (self.den > 0).then(|| self.num as f64 / self.den as f64)
    }

    /// “98.5%”, “100%”, or “—” when the denominator is 0.
    pub fn percent(self) -> String {
        match self.value() {
            Some(v) => format!("{}%", one_decimal(v * 100.0)),
            None => "—".into(),
        }
    }

    /// “98.5%（197/200）”, or “—（0/0）”.
    pub fn text(self) -> String {
        format!("{}（{}/{}）", self.percent(), self.num, self.den)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// One decimal, without a trailing “.0”: 98.5, 100, 33.3.
pub fn one_decimal(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// Open matters by age at the cutoff, in disjoint bands (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Ageing {
    /// ≤ 28 days.
    pub within_4_weeks: usize,
    /// 29–56 days.
    pub weeks_4_to_8: usize,
    /// 57–182 days.
    pub weeks_8_to_26: usize,
    /// > 182 days.
    pub over_6_months: usize,
    /// Open, but neither assigned nor dated: no age.
    pub undated: usize,
}

impl Ageing {
    pub const LABELS: [&'static str; 4] = [
        "≤4周（≤28天）",
        "4–8周（29–56天）",
        "8周–6个月（57–182天）",
        ">6个月（>182天）",
    ];

    /// Every open matter, dated or not.
    pub fn open(&self) -> usize {
        self.within_4_weeks
            + self.weeks_4_to_8
            + self.weeks_8_to_26
            + self.over_6_months
            + self.undated
    }

    /// More than 8 weeks: the last two bands together.
    pub fn over_8_weeks(&self) -> usize {
        self.weeks_8_to_26 + self.over_6_months
    }

    /// The four dated bands in [`Ageing::LABELS`] order.
    pub fn bands(&self) -> [usize; 4] {
        [
            self.within_4_weeks,
            self.weeks_4_to_8,
            self.weeks_8_to_26,
            self.over_6_months,
        ]
    }

    fn add(&mut self, days: i64) {
        match days {
            ..=28 => self.within_4_weeks += 1,
            29..=56 => self.weeks_4_to_8 += 1,
            57..=182 => self.weeks_8_to_26 += 1,
            _ => self.over_6_months += 1,
        }
    }
}

/// The figures of one period (see the module docs for each definition).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Figures {
    /// 交办问题: matters first assigned in the period.
    pub assigned: usize,
    /// 共性问题: distinct merge groups among them.
    pub common_groups: usize,
    /// Matters among `assigned` that were assigned through a merge group.
    pub common_items: usize,
    /// 交办及时率.
    pub assign_timely: Ratio,
    /// Matters first assigned in the period with no deadline for assigning (left out above).
    pub assign_undated: usize,
    /// 按时答复率 (reply cycles).
    pub reply_on_time: Ratio,
    /// 答复率.
    pub reply_rate: Ratio,
    /// 办结率.
    pub close_rate: Ratio,
    /// 解决率.
    pub solve_rate: Ratio,
    /// 满意率 (ratings).
    pub satisfaction: Ratio,
    /// 评价覆盖率.
    pub rating_coverage: Ratio,
    /// 答复用时中位数, calendar days.
    pub median_days_to_reply: Option<f64>,
    /// How many first replies the median is taken over.
    pub replies_timed: usize,
    /// 重办率.
    pub reopen_rate: Ratio,
    /// 退回率.
    pub return_rate: Ratio,
    /// 账龄 of open matters at the cutoff.
    pub ageing: Ageing,
}

impl Figures {
    /// The figures of every matter.
    pub fn compute(rows: &[CaseRow], events: &[Event], period: Period, as_of: Date) -> Figures {
        let log = Log::new(events);
        figures(rows, &|_| true, None, &log, period, as_of)
    }

    /// Whether anything counts: an empty breakdown key is left out.
    pub fn is_empty(&self) -> bool {
        *self == Figures::default()
    }

    /// “7天”, “7.5天”, or “—”.
    pub fn median_text(&self) -> String {
        match self.median_days_to_reply {
            Some(d) => format!("{}天", one_decimal(d)),
            None => "—".into(),
        }
    }
}

/// The figures of one key of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// The department, topic or level.
    pub key: String,
    /// All matters under the key, whatever their dates.
    pub matters: usize,
    pub figures: Figures,
}

/// The figures of one month of a series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthFigures {
    pub period: Period,
    pub figures: Figures,
}

/// The key of matters never assigned in the department breakdown.
pub const UNASSIGNED: &str = "（未交办）";
/// The key of items with no topic.
pub const NO_TOPIC: &str = "（无主题）";

/// The figures by department (lead unit).
pub fn by_department(
    rows: &[CaseRow],
    events: &[Event],
    period: Period,
    as_of: Date,
) -> Vec<Breakdown> {
    let log = Log::new(events);
    let of_item: HashMap<&str, String> = rows
        .iter()
        .map(|r| {
            let unit = department(r, &log).unwrap_or_else(|| UNASSIGNED.to_string());
            (r.case.item.as_str(), unit)
        })
        .collect();
    let keys: BTreeSet<&String> = of_item.values().collect();
    let out = keys
        .into_iter()
        .map(|key| {
            let keep = |row: &CaseRow| of_item.get(row.case.item.as_str()) == Some(key);
            let unit = |u: &str| u == key;
            let matters = rows.iter().filter(|r| keep(r)).count();
            let figures = figures(rows, &keep, Some(&unit), &log, period, as_of);
            Breakdown {
                key: key.clone(),
                matters,
                figures,
            }
        })
        .collect();
    ordered(out)
}

/// The figures by level (市级 / 区县) of the lead unit.
pub fn by_level(rows: &[CaseRow], events: &[Event], period: Period, as_of: Date) -> Vec<Breakdown> {
    let log = Log::new(events);
    let out = [Level::City, Level::County]
        .into_iter()
        .map(|level| {
            let keep =
                |row: &CaseRow| department(row, &log).map(|d| Level::of_unit(&d)) == Some(level);
            let unit = |u: &str| Level::of_unit(u) == level;
            let matters = rows.iter().filter(|r| keep(r)).count();
            let figures = figures(rows, &keep, Some(&unit), &log, period, as_of);
            Breakdown {
                key: level.label().to_string(),
                matters,
                figures,
            }
        })
        .collect();
    ordered(out)
}

/// The figures by the items' main topic.
pub fn by_topic(rows: &[CaseRow], events: &[Event], period: Period, as_of: Date) -> Vec<Breakdown> {
    let log = Log::new(events);
    let keys: BTreeSet<&str> = rows.iter().map(topic_of).collect();
    let out = keys
        .into_iter()
        .map(|key| {
            let keep = |row: &CaseRow| topic_of(row) == key;
            let matters = rows.iter().filter(|r| keep(r)).count();
            let figures = figures(rows, &keep, None, &log, period, as_of);
            Breakdown {
                key: key.to_string(),
                matters,
                figures,
            }
        })
        .collect();
    ordered(out)
}

/// The figures of each of the `months` calendar months ending with `last`'s month, oldest first;
/// each month measured at its own cutoff.
pub fn by_month(
    rows: &[CaseRow],
    events: &[Event],
    last: Period,
    months: usize,
    as_of: Date,
) -> Vec<MonthFigures> {
    let log = Log::new(events);
    last.last_months(months)
        .into_iter()
        .map(|period| MonthFigures {
            period,
            figures: figures(rows, &|_| true, None, &log, period, as_of),
        })
        .collect()
}

/// The item's topic, or [`NO_TOPIC`].
pub fn topic_of(row: &CaseRow) -> &str {
    let t = row.topic.trim();
    if t.is_empty() {
        NO_TOPIC
    } else {
        t
    }
}

/// Empty keys out; most assigned first, then most matters, then by name.
fn ordered(mut rows: Vec<Breakdown>) -> Vec<Breakdown> {
    rows.retain(|b| !b.figures.is_empty());
    rows.sort_by(|a, b| {
        b.figures
            .assigned
            .cmp(&a.figures.assigned)
            .then(b.matters.cmp(&a.matters))
            .then(a.key.cmp(&b.key))
    });
    rows
}

/// The events that count, by matter: 撤销 entries and the events they undo left out, in the order
/// given (the log's order).
pub(crate) struct Log<'a> {
    by_item: HashMap<&'a str, Vec<&'a Event>>,
}

impl<'a> Log<'a> {
    pub(crate) fn new(events: &'a [Event]) -> Log<'a> {
        let undone = super::state::undone_events(events);
        let mut by_item: HashMap<&str, Vec<&Event>> = HashMap::new();
        for e in events {
            if matches!(e.kind, EventKind::Undo { .. })
                || undone.contains(&(e.item.as_str(), e.seq))
            {
                continue;
            }
            by_item.entry(e.item.as_str()).or_default().push(e);
        }
        Log { by_item }
    }

    pub(crate) fn of(&self, item: &str) -> &[&'a Event] {
        self.by_item.get(item).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The matter's lead unit, or after a return not yet reassigned, the unit that returned it.
fn department(row: &CaseRow, log: &Log) -> Option<String> {
    if let Some(lead) = &row.case.lead {
        return Some(lead.clone());
    }
    log.of(&row.case.item)
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::Assign { lead, .. } => Some(lead.clone()),
            _ => None,
        })
}

/// The figures of the rows `keep` selects. With `unit`, 交办 and 退回改派 events are counted over
/// all rows for the units it selects (the department they concern); without, over the kept rows.
fn figures(
    rows: &[CaseRow],
    keep: &dyn Fn(&CaseRow) -> bool,
    unit: Option<&dyn Fn(&str) -> bool>,
    log: &Log,
    period: Period,
    as_of: Date,
) -> Figures {
    let cutoff = period.cutoff(as_of);
    let within = |d: Date| period.start <= d && d <= cutoff;
    let mut f = Figures::default();
    let mut groups: BTreeSet<&str> = BTreeSet::new();
    let mut days: Vec<i64> = Vec::new();
    let mut reopened = 0;
    let mut rated = 0;

    for row in rows.iter().filter(|r| keep(r)) {
        let case = &row.case;
        let events = log.of(&case.item);

        if let Some(first) = case.first_assigned.filter(|d| within(*d)) {
            f.assigned += 1;
            if let Some(g) = &case.group {
                groups.insert(g);
                f.common_items += 1;
            }
            match row.assign_due {
                Some(due) => {
                    f.assign_timely.den += 1;
                    f.assign_timely.num += usize::from(first <= due);
                }
                None => f.assign_undated += 1,
            }
            f.reply_rate.den += 1;
            f.reply_rate.num += usize::from(case.replies.iter().any(|r| r.day <= cutoff));
            f.close_rate.den += 1;
            f.close_rate.num += usize::from(closed_by(case, cutoff));
        }

        // Reply cycles due in the period.
        for (i, reply) in case.replies.iter().enumerate() {
            let Some(due) = reply.due else { continue };
            let supplement = i > 0 && case.replies[i - 1].due == Some(due);
            if supplement || !period.contains(due) {
                continue;
            }
            let came = reply.day <= cutoff;
            if due <= cutoff || came {
                f.reply_on_time.den += 1;
                f.reply_on_time.num += usize::from(came && reply.day <= due);
            }
        }
        let open_cycle = matches!(case.state, State::Assigned | State::InProgress)
            || (case.state == State::LongTerm && case.replies.is_empty());
        if let Some(due) = case.due.filter(|_| open_cycle) {
            if period.contains(due) && due <= cutoff {
                f.reply_on_time.den += 1;
            }
        }

        // Matters replied in the period: resolution and rating coverage.
        if let Some(last) = case.replies.iter().rev().find(|r| within(r.day)) {
            let outcome = case
                .replies
                .iter()
                .rev()
                .find(|r| r.day <= cutoff)
                .map(|r| r.outcome);
            f.solve_rate.den += 1;
            f.solve_rate.num += usize::from(outcome == Some(Outcome::Solved));
            f.rating_coverage.den += 1;
            f.rating_coverage.num += usize::from(
                case.ratings
                    .iter()
                    .any(|(d, _)| *d >= last.day && *d <= cutoff),
            );
        }

        for (day, rating) in &case.ratings {
            if within(*day) {
                f.satisfaction.den += 1;
                f.satisfaction.num += usize::from(rating.is_satisfied());
            }
        }
        if case.ratings.iter().any(|(d, _)| within(*d)) {
            rated += 1;
        }
        if events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Reopen { .. }) && within(e.day))
        {
            reopened += 1;
        }

        if let Some(first) = case.replies.first().filter(|r| within(r.day)) {
            let assigned = events
                .iter()
                .filter(|e| matches!(e.kind, EventKind::Assign { .. }) && e.day <= first.day)
                .map(|e| e.day)
                .next_back()
                .or(case.assigned.filter(|d| *d <= first.day))
                .or(case.first_assigned);
            if let Some(a) = assigned {
                days.push(a.days_until(first.day));
            }
        }

        if !closed_by(case, cutoff) {
            let start = case
                .first_assigned
                .filter(|d| *d <= cutoff)
                .or(row.collected);
            match start {
                Some(s) if s <= cutoff => f.ageing.add(s.days_until(cutoff)),
                Some(_) => {}
                None if case.first_assigned.is_none() => f.ageing.undated += 1,
                None => {}
            }
        }
    }

    // 交办 and 退回改派 events, each for the unit it concerns.
    let mut count_events = |row: &CaseRow| {
        let mut current: Option<&str> = None;
        for e in log.of(&row.case.item) {
            match &e.kind {
                EventKind::Assign { lead, .. } => {
                    current = Some(lead);
                    if within(e.day) && unit.is_none_or(|u| u(lead)) {
                        f.return_rate.den += 1;
                    }
                }
                EventKind::Return { .. } => {
                    let theirs = match (unit, current) {
                        (None, _) => true,
                        (Some(u), Some(c)) => u(c),
                        (Some(_), None) => false,
                    };
                    if within(e.day) && theirs {
                        f.return_rate.num += 1;
                    }
                }
                _ => {}
            }
        }
    };
    match unit {
        Some(_) => rows.iter().for_each(&mut count_events),
        None => rows.iter().filter(|r| keep(r)).for_each(&mut count_events),
    }

    f.common_groups = groups.len();
    f.reopen_rate = Ratio::new(reopened, rated);
    f.replies_timed = days.len();
    f.median_days_to_reply = median(&mut days);
    f
}

fn closed_by(case: &Case, cutoff: Date) -> bool {
    case.state == State::Closed && case.closed.is_some_and(|d| d <= cutoff)
}

fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid] as f64
    } else {
        (values[mid - 1] + values[mid]) as f64 / 2.0
    })
}

/// Items collected in each of two periods, by a key (topic or group): the counts behind “new” and
/// “rising” in the monthly report.
pub fn collected_counts<'r>(
    rows: &'r [CaseRow],
    period: Period,
    as_of: Date,
    key: impl Fn(&'r CaseRow) -> Option<&'r str>,
) -> BTreeMap<&'r str, usize> {
    let cutoff = period.cutoff(as_of);
    let mut counts = BTreeMap::new();
    for row in rows {
        let Some(day) = row.collected else { continue };
        if period.start <= day && day <= cutoff {
            if let Some(k) = key(row) {
                *counts.entry(k).or_insert(0) += 1;
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [9, 1, 5]), Some(5.0));
        assert_eq!(median(&mut [10, 1, 5, 8]), Some(6.5));
    }

    #[test]
    fn ageing_bands_are_disjoint_at_their_edges() {
        let mut a = Ageing::default();
        for days in [0, 28, 29, 56, 57, 182, 183, 400] {
            a.add(days);
        }
        assert_eq!(a.bands(), [2, 2, 2, 2]);
        assert_eq!((a.open(), a.over_8_weeks()), (8, 4));
    }
}
