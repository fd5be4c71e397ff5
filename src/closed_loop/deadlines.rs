//! Deadline profiles (湖州 style, hotline working days by kind of matter, follow-up of long
//! matters) and how urgent an open matter is.
//!
//! A profile says how long a matter may wait to be assigned (交办) and answered (答复), when to
//! warn before a due date, when a late matter goes to supervision (督办), and how often a long
//! matter must be followed up. Profiles come from `dicts/deadlines.toml` (or the user's file in
//! its place); spans are written `"14天"` (calendar days) or `"10个工作日"` (working days on the
//! [`Calendar`]). The format is in `dicts/README.md`.
//!
//! Due dates, in short:
//! - a due date is the day the span ends; with `roll_over` (the default) a due date that is not
//!   a working day moves to the next working day, as 《民法典》第二百零三条 does for legal periods;
//! - [`Profile::urgency`] takes a due date as it is (also one set by hand on a holiday): overdue
//!   from the day after it;
//! - follow-ups of long matters count calendar days and never roll over (see
//!   [`Profile::follow_up_due`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::calendar::{line_of, toml_reason, Calendar, LAST_DAY};
use crate::date::Date;
use crate::{Error, Result};

/// The shipped profiles' text.
pub const SHIPPED: &str = include_str!("../../dicts/deadlines.toml");

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

/// A length of time: calendar days or working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    /// 自然日, written "N天" (or "N日").
    Days(u32),
    /// 工作日, written "N个工作日" (or "N工作日").
    WorkingDays(u32),
}

impl Span {
    /// Reads "14天", "14日", "10个工作日" or "10工作日" (spaces ignored); `None` otherwise.
    pub fn parse(text: &str) -> Option<Span> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let number = |n: &str| {
            (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .then(|| n.parse::<u32>().ok())
                .flatten()
        };
        if let Some(n) = t
            .strip_suffix("个工作日")
            .or_else(|| t.strip_suffix("工作日"))
        {
            return number(n).map(Span::WorkingDays);
        }
        t.strip_suffix('天')
            .or_else(|| t.strip_suffix('日'))
            .and_then(number)
            .map(Span::Days)
    }

    /// The number of days, whatever their kind.
    pub fn amount(self) -> u32 {
        match self {
            Span::Days(n) | Span::WorkingDays(n) => n,
        }
    }

    /// The day this span ends when it starts after `day` (no rolling over). Calendar days
    /// saturate at 2200-12-31 like [`Calendar::add_working_days`].
    pub fn after(self, day: Date, cal: &Calendar) -> Date {
        match self {
            Span::Days(n) => day.add_days(i64::from(n)).unwrap_or(LAST_DAY),
            Span::WorkingDays(n) => cal.add_working_days(day, n),
        }
    }

    /// Days of this span's kind after `from` up to and including `to` (negative when `to` is
    /// earlier).
    pub fn count(self, from: Date, to: Date, cal: &Calendar) -> i64 {
        match self {
            Span::Days(_) => from.days_until(to),
            Span::WorkingDays(_) => cal.working_days_between(from, to),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Span::Days(n) => write!(f, "{n}天"),
            Span::WorkingDays(n) => write!(f, "{n}个工作日"),
        }
    }
}

/// One deadline profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// The name it is chosen by (`huzhou`, `hotline`).
    pub name: String,
    /// The name shown in reports (湖州亲清直通车).
    pub label: String,
    /// 交办 after collection (or the meeting).
    pub assign: Span,
    /// 答复 after assignment, when no kind below applies.
    pub reply: Span,
    /// 答复 by kind of matter (咨询, 求助, 投诉 …), in the file's order.
    pub reply_by_kind: Vec<(String, Span)>,
    /// 即将到期: the warning window before a due date.
    pub due_soon: Span,
    /// 督办 when late by more than this.
    pub supervise_after: Span,
    /// A matter open this many calendar days or more is a long one.
    pub long_after_days: u32,
    /// A long matter is followed up at least this often (calendar days, at least 1).
    pub follow_up_every_days: u32,
    /// A due date that is not a working day moves to the next working day.
    pub roll_over: bool,
}

impl Profile {
    /// The end of `span` after `from`, rolled over to a working day when the profile says so.
    pub fn due_after(&self, span: Span, from: Date, cal: &Calendar) -> Date {
        let due = span.after(from, cal);
        if self.roll_over && !cal.is_working_day(due) {
            cal.add_working_days(due, 1)
        } else {
            due
        }
    }

    /// The day an item collected (or raised at a meeting) on `collected` must be assigned by.
    pub fn assign_due(&self, collected: Date, cal: &Calendar) -> Date {
        self.due_after(self.assign, collected, cal)
    }

    /// The reply span for a kind of matter: the entry named exactly `kind`, else the longest
    /// entry name contained in it (投诉举报类 → 投诉; the first in file order on a tie), else
    /// [`Profile::reply`].
    pub fn reply_span(&self, kind: Option<&str>) -> Span {
        let Some(kind) = kind.map(str::trim).filter(|k| !k.is_empty()) else {
            return self.reply;
        };
        if let Some((_, span)) = self.reply_by_kind.iter().find(|(k, _)| k == kind) {
            return *span;
        }
        let mut best: Option<(&str, Span)> = None;
        for (k, span) in &self.reply_by_kind {
            let longer = best.is_none_or(|(b, _)| k.chars().count() > b.chars().count());
            if kind.contains(k.as_str()) && longer {
                best = Some((k, *span));
            }
        }
        best.map_or(self.reply, |(_, span)| span)
    }

    /// The day a matter assigned on `assigned` must be answered by.
    pub fn reply_due(&self, assigned: Date, kind: Option<&str>, cal: &Calendar) -> Date {
        self.due_after(self.reply_span(kind), assigned, cal)
    }

    /// How a matter due on `due` stands on `today`:
    /// - [`Urgency::Supervise`] when late by more than `supervise_after` (counted in its own kind
    ///   of days: with "5个工作日", more than 5 working days after `due` up to `today`);
    /// - [`Urgency::Overdue`] when `today` is after `due`;
    /// - [`Urgency::DueSoon`] when `due` is at most `due_soon` ahead (the due day itself
    ///   included; with working days, a due date with no working day left before it counts 0);
    /// - [`Urgency::OnTrack`] otherwise.
    pub fn urgency(&self, due: Date, today: Date, cal: &Calendar) -> Urgency {
        if today > due {
            let late = self.supervise_after.count(due, today, cal);
            if late > i64::from(self.supervise_after.amount()) {
                Urgency::Supervise
            } else {
                Urgency::Overdue
            }
        } else if self.due_soon.count(today, due, cal) <= i64::from(self.due_soon.amount()) {
            Urgency::DueSoon
        } else {
            Urgency::OnTrack
        }
    }

    /// The day a long matter's next follow-up is due, or `None` while the matter is younger
    /// than `long_after_days` (days since `opened`, the day the matter was opened: collected or
    /// first assigned, as the caller decides).
    ///
    /// A matter becomes long on `opened + long_after_days`. From then on every period of
    /// `follow_up_every_days` must hold a follow-up: the next one is due that many days after
    /// the later of that day and `last_follow_up` (a follow-up before the matter became long
    /// does not start the cycle). Calendar days, no rolling over. A due day past 2200 saturates.
    pub fn follow_up_due(
        &self,
        opened: Date,
        last_follow_up: Option<Date>,
        today: Date,
    ) -> Option<Date> {
        let long_from = opened.add_days(i64::from(self.long_after_days))?;
        if today < long_from {
            return None;
        }
        let base = last_follow_up.map_or(long_from, |last| last.max(long_from));
        Some(
            base.add_days(i64::from(self.follow_up_every_days))
                .unwrap_or(LAST_DAY),
        )
    }

    /// The follow-up's urgency, with the same rules and windows as [`Profile::urgency`]: a
    /// follow-up more than `supervise_after` late goes to 督办 like a late reply. `None` while
    /// the matter is not long.
    pub fn follow_up_urgency(
        &self,
        opened: Date,
        last_follow_up: Option<Date>,
        today: Date,
        cal: &Calendar,
    ) -> Option<Urgency> {
        self.follow_up_due(opened, last_follow_up, today)
            .map(|due| self.urgency(due, today, cal))
    }
}

/// The deadline profiles, in the file's order, and the one used when none is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    pub profiles: Vec<Profile>,
    /// The default profile's name (always one of `profiles`).
    pub default: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeadlinesFile {
    default: Option<Spanned<String>>,
    #[serde(default)]
    profile: BTreeMap<Spanned<String>, ProfileFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    label: Option<String>,
    assign: Spanned<String>,
    reply: Spanned<String>,
    #[serde(default)]
    reply_by_kind: BTreeMap<Spanned<String>, Spanned<String>>,
    due_soon: Option<Spanned<String>>,
    supervise_after: Option<Spanned<String>>,
    long_after_days: Option<u32>,
    follow_up_every_days: Option<Spanned<u32>>,
    roll_over: Option<bool>,
}

impl Deadlines {
    /// The profiles compiled into the binary (`dicts/deadlines.toml`).
    pub fn shipped() -> Deadlines {
        // The shipped file is checked by the tests below, so it always parses.
        Deadlines::parse(SHIPPED, "deadlines.toml（内置）").expect("the shipped profiles parse")
    }

    /// Reads a profiles file; `name` is how errors name it. Errors give the line and the
    /// entry: a span that is neither "N天" nor "N个工作日", a missing or unknown key, a default
    /// that names no profile, a follow-up period of 0 days.
    pub fn parse(text: &str, name: &str) -> Result<Deadlines> {
        let err = |at: usize, reason: String| Error::Dict {
            file: name.to_string(),
            line: line_of(text, at),
            reason,
        };
        let file: DeadlinesFile = toml::from_str(text)
            .map_err(|e| err(e.span().map_or(0, |s| s.start), toml_reason(&e)))?;
        let span = |s: &Spanned<String>, key: &str| {
            Span::parse(s.get_ref()).ok_or_else(|| {
                err(
                    s.span().start,
                    format!("{key} = “{}”无效，应写成“N天”或“N个工作日”", s.get_ref()),
                )
            })
        };
        let opt_span = |s: &Option<Spanned<String>>, key: &str, default: Span| {
            s.as_ref().map_or(Ok(default), |s| span(s, key))
        };
        // The file's order, which the BTreeMaps lost: by position in the text.
        let mut entries: Vec<_> = file.profile.into_iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        let mut profiles = Vec::new();
        for (key, p) in entries {
            let pname = key.get_ref().trim().to_string();
            if pname.is_empty() {
                return Err(err(key.span().start, "方案名不能为空".into()));
            }
            if profiles.iter().any(|q: &Profile| q.name == pname) {
                return Err(err(key.span().start, format!("方案名“{pname}”重复")));
            }
            let mut kinds: Vec<_> = p.reply_by_kind.into_iter().collect();
            kinds.sort_by_key(|(k, _)| k.span().start);
            let mut reply_by_kind = Vec::new();
            for (kind, s) in kinds {
                let k = kind.get_ref().trim().to_string();
                if k.is_empty() {
                    return Err(err(kind.span().start, "诉求类型名不能为空".into()));
                }
                if reply_by_kind.iter().any(|(q, _)| *q == k) {
                    return Err(err(kind.span().start, format!("诉求类型“{k}”重复")));
                }
                reply_by_kind.push((k, span(&s, "reply_by_kind")?));
            }
            let every = p.follow_up_every_days.as_ref().map_or(92, |s| *s.get_ref());
            if every == 0 {
                let at = p
                    .follow_up_every_days
                    .map_or(key.span().start, |s| s.span().start);
                return Err(err(at, "follow_up_every_days 至少为 1".into()));
            }
            profiles.push(Profile {
                label: p.label.unwrap_or_else(|| pname.clone()),
                name: pname,
                assign: span(&p.assign, "assign")?,
                reply: span(&p.reply, "reply")?,
                reply_by_kind,
                due_soon: opt_span(&p.due_soon, "due_soon", Span::Days(3))?,
                supervise_after: opt_span(
                    &p.supervise_after,
                    "supervise_after",
                    Span::WorkingDays(5),
                )?,
                long_after_days: p.long_after_days.unwrap_or(182),
                follow_up_every_days: every,
                roll_over: p.roll_over.unwrap_or(true),
            });
        }
        let Some(first) = profiles.first() else {
            return Err(err(0, "没有任何期限方案（应有 [profile.名称] 表）".into()));
        };
        let default = match file.default {
            None => first.name.clone(),
            Some(d) => {
                let wanted = d.get_ref().trim();
                if !profiles.iter().any(|p| p.name == wanted) {
                    return Err(err(
                        d.span().start,
                        format!(
                            "default = “{wanted}”不是已定义的方案；已定义: {}",
                            names(&profiles)
                        ),
                    ));
                }
                wanted.to_string()
            }
        };
        Ok(Deadlines { profiles, default })
    }

    /// The profile called `name`, or the default one for `None`; an unknown name is an error
    /// listing the known ones.
    pub fn profile(&self, name: Option<&str>) -> Result<&Profile> {
        let wanted = name.map_or(self.default.as_str(), str::trim);
        self.profiles
            .iter()
            .find(|p| p.name == wanted)
            .ok_or_else(|| Error::UnknownProfile {
                name: wanted.to_string(),
                known: names(&self.profiles),
            })
    }
}

/// "huzhou（湖州亲清直通车）、hotline（…）", for messages.
fn names(profiles: &[Profile]) -> String {
    profiles
        .iter()
        .map(|p| format!("{}（{}）", p.name, p.label))
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn huzhou() -> Profile {
        Deadlines::shipped()
            .profile(Some("huzhou"))
            .unwrap()
            .clone()
    }

    fn hotline() -> Profile {
        Deadlines::shipped()
            .profile(Some("hotline"))
            .unwrap()
            .clone()
    }

    #[test]
    fn shipped_profiles() {
        let dl = Deadlines::shipped();
        let names: Vec<_> = dl.profiles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["huzhou", "hotline"]);
        let h = dl.profile(None).unwrap();
        assert_eq!(h.name, "huzhou");
        assert_eq!((h.assign, h.reply), (Span::Days(2), Span::Days(14)));
        assert_eq!(h.supervise_after, Span::WorkingDays(5));
        assert_eq!((h.long_after_days, h.follow_up_every_days), (182, 92));
        let kinds: Vec<_> = hotline()
            .reply_by_kind
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        assert_eq!(kinds, ["咨询", "求助", "投诉", "举报", "建议"]);
    }

    #[test]
    fn spans_read_and_print() {
        assert_eq!(Span::parse("14天"), Some(Span::Days(14)));
        assert_eq!(Span::parse(" 14 日 "), Some(Span::Days(14)));
        assert_eq!(Span::parse("10个工作日"), Some(Span::WorkingDays(10)));
        assert_eq!(Span::parse("10工作日"), Some(Span::WorkingDays(10)));
        for bad in [
            "",
            "天",
            "十天",
            "-1天",
            "14",
            "14周",
            "2 个 工作 日 x",
            "99999999999天",
        ] {
            assert_eq!(Span::parse(bad), None, "{bad}");
        }
        assert_eq!(Span::WorkingDays(10).to_string(), "10个工作日");
        assert_eq!(Span::parse(&Span::Days(7).to_string()), Some(Span::Days(7)));
    }

    #[test]
    fn assign_two_days_from_friday_before_spring_festival_2026() {
        let cal = Calendar::shipped();
        // Fri 2026-02-13 + 2 calendar days = Sun 2/15, the first day of 春节 (2/15–2/23 off);
        // rolled over to the next working day, Tue 2/24 (the make-up Saturday 2/14 is before
        // the due day, so it does not count).
        assert_eq!(huzhou().assign_due(d("2026-02-13"), &cal), d("2026-02-24"));
        let strict = Profile {
            roll_over: false,
            ..huzhou()
        };
        assert_eq!(strict.assign_due(d("2026-02-13"), &cal), d("2026-02-15"));
        // Thu 2026-02-12 + 2 = Sat 2/14, a make-up workday: no rolling over.
        assert_eq!(huzhou().assign_due(d("2026-02-12"), &cal), d("2026-02-14"));
        // Wed 2025-03-12 + 2 = Fri 3/14, an ordinary working day.
        assert_eq!(huzhou().assign_due(d("2025-03-12"), &cal), d("2025-03-14"));
    }

    #[test]
    fn reply_fourteen_days_rolls_over_national_day() {
        let cal = Calendar::shipped();
        // Wed 2025-09-17 + 14 = Wed 10/1, 国庆 (10/1–10/8 off) → Thu 10/9.
        assert_eq!(
            huzhou().reply_due(d("2025-09-17"), None, &cal),
            d("2025-10-09")
        );
        // Tue 2025-09-16 + 14 = Tue 9/30, a working day.
        assert_eq!(
            huzhou().reply_due(d("2025-09-16"), None, &cal),
            d("2025-09-30")
        );
    }

    #[test]
    fn hotline_reply_by_kind_in_working_days() {
        let cal = Calendar::shipped();
        let p = hotline();
        let from = d("2025-09-26"); // Fri before 国庆 2025
                                    // 投诉: 10 working days → Thu 10/16 (see calendar tests: 9/28, 9/29, 9/30, 10/9, 10/10,
                                    // 10/11, 10/13, 10/14, 10/15, 10/16).
        assert_eq!(p.reply_due(from, Some("投诉"), &cal), d("2025-10-16"));
        // 咨询: 2 working days → Sun 9/28 (make-up) is the 1st, Mon 9/29 the 2nd.
        assert_eq!(p.reply_due(from, Some("咨询"), &cal), d("2025-09-29"));
        // "咨询类" contains 咨询; an unknown kind and no kind take the 10-day default.
        assert_eq!(p.reply_due(from, Some(" 咨询类 "), &cal), d("2025-09-29"));
        assert_eq!(p.reply_due(from, Some("表扬"), &cal), d("2025-10-16"));
        assert_eq!(p.reply_due(from, None, &cal), d("2025-10-16"));
        // 建议: 15 working days → after 10/16 (10th): Fri 10/17 11, Mon 10/20 12, Tue 13,
        // Wed 14, Thu 10/23 15.
        assert_eq!(p.reply_due(from, Some("建议"), &cal), d("2025-10-23"));
    }

    #[test]
    fn longest_contained_kind_wins_then_file_order() {
        let p = Profile {
            reply_by_kind: vec![
                ("投诉".into(), Span::WorkingDays(10)),
                ("举报".into(), Span::WorkingDays(15)),
                ("投诉举报".into(), Span::WorkingDays(7)),
            ],
            ..hotline()
        };
        assert_eq!(p.reply_span(Some("投诉举报类")), Span::WorkingDays(7));
        assert_eq!(p.reply_span(Some("举报投诉")), Span::WorkingDays(10));
        assert_eq!(p.reply_span(Some("举报")), Span::WorkingDays(15));
        assert_eq!(p.reply_span(Some("")), p.reply);
    }

    #[test]
    fn due_on_a_holiday_is_overdue_after_it() {
        let cal = Calendar::shipped();
        let p = huzhou();
        let due = d("2025-05-02"); // Fri, 劳动节 (5/1–5/5 off)
                                   // Taken as written: on the day itself due soon, overdue from the next day on, even though
                                   // 5/3–5/5 are holidays. Tue 5/6 is the first working day after: 1 working day late.
        assert_eq!(p.urgency(due, d("2025-05-02"), &cal), Urgency::DueSoon);
        assert_eq!(p.urgency(due, d("2025-05-03"), &cal), Urgency::Overdue);
        assert_eq!(p.urgency(due, d("2025-05-06"), &cal), Urgency::Overdue);
    }

    #[test]
    fn supervise_at_six_working_days_late_not_five() {
        let cal = Calendar::shipped();
        let p = huzhou();
        let due = d("2025-05-02");
        // Working days after 5/2: Tue 5/6 1, Wed 5/7 2, Thu 5/8 3, Fri 5/9 4, (weekend 5/10–11),
        // Mon 5/12 5, Tue 5/13 6. "More than 5" → 督办 from 5/13.
        assert_eq!(p.urgency(due, d("2025-05-12"), &cal), Urgency::Overdue);
        assert_eq!(p.urgency(due, d("2025-05-13"), &cal), Urgency::Supervise);
        // Sunday 5/11 after 4 working days late: still only 催办.
        assert_eq!(p.urgency(due, d("2025-05-11"), &cal), Urgency::Overdue);
        // With calendar days instead, "more than 5 days" → 5/8 (6 days) supervised, 5/7 not.
        let by_days = Profile {
            supervise_after: Span::Days(5),
            ..huzhou()
        };
        assert_eq!(
            by_days.urgency(due, d("2025-05-07"), &cal),
            Urgency::Overdue
        );
        assert_eq!(
            by_days.urgency(due, d("2025-05-08"), &cal),
            Urgency::Supervise
        );
    }

    #[test]
    fn due_soon_window() {
        let cal = Calendar::shipped();
        // 湖州: 3 calendar days. Due Wed 2025-03-19: Sun 3/16 is 3 days ahead (due soon), Sat
        // 3/15 is 4 (on track).
        let due = d("2025-03-19");
        assert_eq!(
            huzhou().urgency(due, d("2025-03-16"), &cal),
            Urgency::DueSoon
        );
        assert_eq!(
            huzhou().urgency(due, d("2025-03-15"), &cal),
            Urgency::OnTrack
        );
        // Hotline: 2 working days. Due Thu 2025-10-09: on Tue 9/30 the working days after today
        // up to the due day are only 10/9 (10/1–10/8 off) → 1 ≤ 2, due soon although 9 calendar
        // days remain. On Fri 9/26: 9/28, 9/29, 9/30, 10/9 = 4 → on track.
        let due = d("2025-10-09");
        assert_eq!(
            hotline().urgency(due, d("2025-09-30"), &cal),
            Urgency::DueSoon
        );
        assert_eq!(
            hotline().urgency(due, d("2025-09-26"), &cal),
            Urgency::OnTrack
        );
        // Mon 9/29: 9/30 and 10/9 → 2, the edge of the window.
        assert_eq!(
            hotline().urgency(due, d("2025-09-29"), &cal),
            Urgency::DueSoon
        );
    }

    #[test]
    fn follow_up_cycle_of_long_matters() {
        let cal = Calendar::shipped();
        let p = huzhou();
        let opened = d("2025-01-01");
        // 2025-01-01 + 182 days: Jan 31 − 1 = 30 left in Jan, +28 Feb = 58, +31 Mar = 89,
        // +30 Apr = 119, +31 May = 150, +30 Jun = 180, so 182 → 2025-07-02.
        // The day before, the matter is not long yet.
        assert_eq!(p.follow_up_due(opened, None, d("2025-07-01")), None);
        // Long from 7/2: the first follow-up is due 92 days later: 29 left in Jul, +31 Aug = 60,
        // +30 Sep = 90, +2 → 2025-10-02.
        assert_eq!(
            p.follow_up_due(opened, None, d("2025-07-02")),
            Some(d("2025-10-02"))
        );
        // A follow-up before the matter became long does not start the cycle.
        assert_eq!(
            p.follow_up_due(opened, Some(d("2025-06-01")), d("2025-08-01")),
            Some(d("2025-10-02"))
        );
        // Followed up on 2025-09-15: next due 92 days later: 15 left in Sep, +31 Oct = 46,
        // +30 Nov = 76, +16 → 2025-12-16.
        assert_eq!(
            p.follow_up_due(opened, Some(d("2025-09-15")), d("2025-10-20")),
            Some(d("2025-12-16"))
        );
        // Urgency of that follow-up: due 12/16, today 12/17 → overdue; on 12/13 (Sat, 3 days
        // ahead) due soon; on 10/20 on track.
        let at = |today| p.follow_up_urgency(opened, Some(d("2025-09-15")), d(today), &cal);
        assert_eq!(at("2025-12-17"), Some(Urgency::Overdue));
        assert_eq!(at("2025-12-13"), Some(Urgency::DueSoon));
        assert_eq!(at("2025-10-20"), Some(Urgency::OnTrack));
        // Opened too near the end of the date range to ever become long: never due, no panic.
        assert_eq!(
            p.follow_up_due(d("2200-12-01"), None, d("2200-12-31")),
            None
        );
    }

    #[test]
    fn unknown_profile_lists_the_known_ones() {
        let dl = Deadlines::shipped();
        let msg = dl.profile(Some("zhoushan")).unwrap_err().to_string();
        assert!(
            msg.contains("zhoushan") && msg.contains("huzhou") && msg.contains("hotline"),
            "{msg}"
        );
        assert_eq!(dl.profile(Some(" hotline ")).unwrap().name, "hotline");
    }

    #[test]
    fn parse_defaults_and_order() {
        let text = "[profile.b]\nassign = \"1天\"\nreply = \"7天\"\n\
                    [profile.a]\nlabel = \"甲\"\nassign = \"1个工作日\"\nreply = \"5个工作日\"\n";
        let dl = Deadlines::parse(text, "x.toml").unwrap();
        // No default: the first profile in the file, not the first by name.
        assert_eq!(dl.default, "b");
        let b = dl.profile(None).unwrap();
        assert_eq!(b.label, "b");
        assert_eq!(b.due_soon, Span::Days(3));
        assert_eq!(b.supervise_after, Span::WorkingDays(5));
        assert_eq!(
            (b.long_after_days, b.follow_up_every_days, b.roll_over),
            (182, 92, true)
        );
        assert_eq!(dl.profile(Some("a")).unwrap().label, "甲");
    }

    #[test]
    fn parse_errors_name_the_file_line_and_entry() {
        let ok = "default = \"p\"\n[profile.p]\nassign = \"2天\"\nreply = \"14天\"\n";
        assert!(Deadlines::parse(ok, "dl.toml").is_ok());
        let cases = [
            // (text, line, words the message must hold)
            (ok.replace("\"14天\"", "\"两周\""), 4, "两周"),
            (ok.replace("\"p\"\n", "\"q\"\n"), 1, "q"),
            (ok.replace("reply =", "replies ="), 4, "replies"),
            (format!("{ok}follow_up_every_days = 0\n"), 5, "follow_up_every_days"),
            (
                format!("{ok}[profile.p.reply_by_kind]\n\"咨询\" = \"2个工作日\"\n\"投诉\" = \"十天\"\n"),
                7,
                "十天",
            ),
            ("default = \"p\"\n".to_string(), 1, "没有任何期限方案"),
            (
                format!("{ok}[profile.\" p \"]\nassign = \"1天\"\nreply = \"2天\"\n"),
                5,
                "重复",
            ),
            (ok.replace("reply = \"14天\"\n", ""), 2, "reply"),
        ];
        for (text, line, words) in cases {
            let msg = Deadlines::parse(&text, "dl.toml").unwrap_err().to_string();
            assert!(
                msg.contains("dl.toml")
                    && msg.contains(&format!("第{line}行"))
                    && msg.contains(words),
                "{text:?} → {msg}"
            );
        }
    }

    proptest::proptest! {
        /// Any dates, including the ends of the range, and any profile numbers: no panic, and
        /// the warnings are ordered (a later "today" is never less urgent).
        #[test]
        fn urgency_never_panics_and_grows_with_time(
            due in -25_567i64..84_000,
            today in -25_567i64..84_000,
            step in 0i64..60,
            soon in 0u32..30,
            late in 0u32..30,
            working in proptest::bool::ANY,
        ) {
            let cal = Calendar::shipped();
            let day = |n: i64| Date::new(1970, 1, 1).and_then(|e| e.add_days(n));
            let (Some(due), Some(today)) = (day(due), day(today)) else { return Ok(()) };
            let later = today.add_days(step).unwrap_or(LAST_DAY);
            let span = |n| if working { Span::WorkingDays(n) } else { Span::Days(n) };
            let p = Profile { due_soon: span(soon), supervise_after: span(late), ..huzhou() };
            proptest::prop_assert!(p.urgency(due, today, &cal) <= p.urgency(due, later, &cal));
            let _ = p.reply_due(today, Some("投诉"), &cal);
            let _ = p.follow_up_urgency(due, Some(today), later, &cal);
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,80}", cut in 0usize..2000) {
            let _ = Span::parse(&text);
            let _ = Deadlines::parse(&text, "x");
            let mut shipped = SHIPPED.to_string();
            let at = (0..=cut.min(shipped.len())).rev().find(|&i| shipped.is_char_boundary(i)).unwrap_or(0);
            shipped.insert_str(at, &text);
            let _ = Deadlines::parse(&shipped, "x");
        }
    }
}
