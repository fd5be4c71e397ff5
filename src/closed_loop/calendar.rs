//! Working days: weekends, official holidays (法定节假日) and make-up workdays (调休) from a
//! shipped calendar that users can extend.
//!
//! A day is a working day when it is Monday to Friday and not a listed holiday, or when it is a
//! listed make-up workday (a Saturday or Sunday worked in exchange for a longer holiday). Days the
//! calendar does not list follow the weekend rule, so a year the calendar does not cover (see
//! [`Calendar::covers`]) still gives an answer — one that ignores that year's holidays; callers
//! warn.
//!
//! The file format (`dicts/calendar.toml`, and the user's additions in the same form):
//!
//! ```toml
//! [2025]
//! holidays = ["2025-01-01 元旦", "2025-01-28..2025-02-04 春节"]
//! workdays = ["2025-01-26 春节", "2025-02-08 春节"]
//! ```
//!
//! One table per year of the State Council's notice; each entry is `DATE [name]` or
//! `START..END [name]` (both ends included), dates strictly `YYYY-MM-DD`. A year's table may also
//! hold days of the previous December, where 元旦 holidays start.
//!
//! Arithmetic never panics: [`Date`] only exists from 1900 to 2200, and a count that would leave
//! that range stops at its edge (see [`Calendar::add_working_days`]).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Excluded, Included};

use serde::Deserialize;
use toml::Spanned;

use crate::date::{days_from_civil, Date};
use crate::{Error, Result};

/// The shipped calendar's text (State Council schedules, see the file's header for the years).
pub const SHIPPED: &str = include_str!("../../dicts/calendar.toml");

/// The last day a [`Date`] can hold: arithmetic saturates there.
pub(crate) const LAST_DAY: Date = Date {
    year: 2200,
    month: 12,
    day: 31,
};

/// Longest range accepted in one entry: the longest real one is 10 days (春节 2020), so a longer
/// range is almost surely a typo in a month or year.
const MAX_RANGE_DAYS: i64 = 31;

/// What the calendar says about a listed day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// 放假: a day off, even on a weekday.
    Holiday,
    /// 调休上班: a working day, even on a weekend.
    Workday,
}

/// A listed day: holiday or make-up workday, with the holiday's name when the file gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub kind: DayKind,
    pub name: String,
}

/// Official holidays and make-up workdays by day, and the years they cover.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    days: BTreeMap<Date, Listed>,
    years: BTreeSet<i32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearTable {
    #[serde(default)]
    holidays: Vec<Spanned<String>>,
    #[serde(default)]
    workdays: Vec<Spanned<String>>,
}

impl Calendar {
    /// The calendar compiled into the binary (`dicts/calendar.toml`).
    pub fn shipped() -> Calendar {
        // The shipped file is checked by the tests below, so it always parses.
        Calendar::parse(SHIPPED, "calendar.toml（内置）").expect("the shipped calendar parses")
    }

    /// Weekends only: no holidays, no make-up workdays, no year covered.
    pub fn weekends_only() -> Calendar {
        Calendar::default()
    }

    /// Reads a calendar file; `name` is how errors name it. An error gives the line and the
    /// entry: a bad date or range, a date outside its year's table, a day listed both as a
    /// holiday and as a workday.
    pub fn parse(text: &str, name: &str) -> Result<Calendar> {
        let err = |at: usize, reason: String| Error::Dict {
            file: name.to_string(),
            line: line_of(text, at),
            reason,
        };
        let tables: BTreeMap<Spanned<String>, YearTable> = toml::from_str(text)
            .map_err(|e| err(e.span().map_or(0, |s| s.start), toml_reason(&e)))?;
        let mut cal = Calendar::default();
        for (key, table) in tables {
            let year = key
                .get_ref()
                .parse::<i32>()
                .ok()
                .filter(|y| (1901..=2200).contains(y))
                .ok_or_else(|| {
                    err(
                        key.span().start,
                        format!("表名“{}”应为年份（如 [2025]）", key.get_ref()),
                    )
                })?;
            cal.years.insert(year);
            let lists = [
                (DayKind::Holiday, &table.holidays),
                (DayKind::Workday, &table.workdays),
            ];
            for (kind, entries) in lists {
                for entry in entries {
                    let (days, label) = parse_entry(entry.get_ref(), year)
                        .map_err(|reason| err(entry.span().start, reason))?;
                    for day in days {
                        let listed = Listed {
                            kind,
                            name: label.clone(),
                        };
                        if let Some(prev) = cal.days.insert(day, listed) {
                            if prev.kind != kind {
                                return Err(err(
                                    entry.span().start,
                                    format!("{day} 同时列为放假日和调休上班日"),
                                ));
                            }
                        }
                    }
                }
            }
        }
        Ok(cal)
    }

    /// Adds a user's calendar: its years become covered, and each day it lists replaces what
    /// this calendar said about that day (so a user can also turn a shipped holiday into a
    /// working day by listing it under `workdays`).
    pub fn extend(&mut self, other: &Calendar) {
        self.years.extend(other.years.iter().copied());
        for (day, listed) in &other.days {
            self.days.insert(*day, listed.clone());
        }
    }

    /// Whether the calendar has a table for `year`; outside those years only weekends count.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The years the calendar has tables for, in order.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// What the calendar lists for `day`, if anything.
    pub fn listed(&self, day: Date) -> Option<&Listed> {
        self.days.get(&day)
    }

    /// Whether `day` is a working day (see the module docs).
    pub fn is_working_day(&self, day: Date) -> bool {
        match self.days.get(&day) {
            Some(l) => l.kind == DayKind::Workday,
            None => day.weekday() <= 5,
        }
    }

    /// The `n`-th working day after `day`; `n = 0` gives `day` itself (working day or not).
    ///
    /// Saturates: when the count would run past 2200-12-31, the last day a [`Date`] can hold,
    /// that day is returned.
    pub fn add_working_days(&self, day: Date, n: u32) -> Date {
        let mut current = day;
        let mut left = n;
        while left > 0 {
            match current.add_days(1) {
                Some(next) => current = next,
                None => return LAST_DAY,
            }
            if self.is_working_day(current) {
                left -= 1;
            }
        }
        current
    }

    /// Working days after `from` up to and including `to`; negative (the same count, negated)
    /// when `to` is before `from`, so `working_days_between(a, b) == -working_days_between(b, a)`.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        // Weekdays in (from, to] by arithmetic, then the listed days in that span correct it:
        // O(listed days), whatever the distance.
        let mut count = weekdays_through(to) - weekdays_through(from);
        if from < to {
            for (day, listed) in self.days.range((Excluded(from), Included(to))) {
                let weekday = day.weekday() <= 5;
                match listed.kind {
                    DayKind::Holiday if weekday => count -= 1,
                    DayKind::Workday if !weekday => count += 1,
                    _ => {}
                }
            }
        }
        count
    }
}

/// Monday-to-Friday days from a fixed Monday before 1900 up to and including `day`.
fn weekdays_through(day: Date) -> i64 {
    // 1899-12-25 was a Monday; counting from it keeps every [`Date`] positive.
    let n = day.day_number() - days_from_civil(1899, 12, 25);
    let (weeks, rest) = (n.div_euclid(7), n.rem_euclid(7));
    weeks * 5 + rest.min(4) + 1
}

/// One entry, `DATE [name]` or `START..END [name]`, of the table for `year`.
fn parse_entry(entry: &str, year: i32) -> std::result::Result<(Vec<Date>, String), String> {
    let text = entry.trim();
    let (when, name) = match text.split_once(char::is_whitespace) {
        Some((w, n)) => (w, n.trim().to_string()),
        None => (text, String::new()),
    };
    let bad = || format!("“{entry}”应为 YYYY-MM-DD 或 YYYY-MM-DD..YYYY-MM-DD，后面可跟名称");
    let (start, end) = match when.split_once("..") {
        Some((a, b)) => (iso_date(a).ok_or_else(bad)?, iso_date(b).ok_or_else(bad)?),
        None => {
            let d = iso_date(when).ok_or_else(bad)?;
            (d, d)
        }
    };
    if end < start {
        return Err(format!("“{entry}”的结束日期早于开始日期"));
    }
    let length = start.days_until(end) + 1;
    if length > MAX_RANGE_DAYS {
        return Err(format!(
            "“{entry}”跨{length}天，超过{MAX_RANGE_DAYS}天，可能写错了月份或年份"
        ));
    }
    // 元旦 may start in the previous December; nothing else leaves the table's year.
    let in_table = |d: Date| d.year == year || (d.year == year - 1 && d.month == 12);
    if !in_table(start) || !in_table(end) {
        return Err(format!(
            "“{entry}”不在 [{year}] 年内（只允许本年及上一年12月的日期）"
        ));
    }
    let days = (0..length).filter_map(|i| start.add_days(i)).collect();
    Ok((days, name))
}

/// A strict `YYYY-MM-DD` date: the file is written by hand, so other forms are refused rather
/// than guessed.
fn iso_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    Date::new(
        text[0..4].parse().ok()?,
        text[5..7].parse().ok()?,
        text[8..10].parse().ok()?,
    )
}

/// The 1-based line of byte offset `at` in `text`.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A TOML error's message without the snippet its `Display` adds (the line is reported apart).
pub(crate) fn toml_reason(e: &toml::de::Error) -> String {
    format!("TOML 格式错误: {}", e.message().trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST_DAY: Date = Date {
        year: 1900,
        month: 1,
        day: 1,
    };

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn shipped_calendar_parses_and_covers_2018_to_2026() {
        let cal = Calendar::shipped();
        assert_eq!(
            cal.years().collect::<Vec<_>>(),
            (2018..=2026).collect::<Vec<_>>()
        );
        assert!(!cal.covers(2017) && !cal.covers(2027));
    }

    /// Every make-up workday is a Saturday or Sunday (a weekday one would change nothing and
    /// means a typo), and no day is both a holiday and a workday — checked on the raw entries, so
    /// a clash hidden by the parser's map would still show.
    #[test]
    fn shipped_workdays_are_weekend_days_and_never_holidays() {
        let tables: BTreeMap<String, YearTable> = toml::from_str(SHIPPED).unwrap();
        let mut holidays = BTreeSet::new();
        let mut workdays = BTreeSet::new();
        for (year, table) in &tables {
            let year: i32 = year.parse().unwrap();
            for e in &table.holidays {
                holidays.extend(parse_entry(e.get_ref(), year).unwrap().0);
            }
            for e in &table.workdays {
                let (days, name) = parse_entry(e.get_ref(), year).unwrap();
                assert!(!name.is_empty(), "{}", e.get_ref());
                for day in days {
                    assert!(day.weekday() >= 6, "调休上班日 {day} 不是周末");
                    workdays.insert(day);
                }
            }
        }
        assert!(workdays.len() >= 50, "{}", workdays.len());
        let both: Vec<_> = holidays.intersection(&workdays).collect();
        assert!(both.is_empty(), "{both:?}");
        // Each shipped year has 春节 and 国庆 days off on weekdays.
        for year in 2018..=2026 {
            let weekday_holidays = holidays
                .iter()
                .filter(|h| h.year == year && h.weekday() <= 5)
                .count();
            assert!(weekday_holidays >= 15, "{year}: {weekday_holidays}");
        }
    }

    #[test]
    fn holidays_and_makeup_days() {
        let cal = Calendar::shipped();
        // 2025-10-01 (Wed) 国庆 off; 2025-09-28 (Sun) and 2025-10-11 (Sat) worked; 2025-10-12 (Sun)
        // an ordinary Sunday; 2025-10-09 (Thu) an ordinary Thursday.
        assert!(!cal.is_working_day(d("2025-10-01")));
        assert!(cal.is_working_day(d("2025-09-28")));
        assert!(cal.is_working_day(d("2025-10-11")));
        assert!(!cal.is_working_day(d("2025-10-12")));
        assert!(cal.is_working_day(d("2025-10-09")));
        // 2020: 春节 extended to 2020-02-02, so the planned make-up Saturday 2020-02-01 was off.
        assert!(!cal.is_working_day(d("2020-01-31")));
        assert!(!cal.is_working_day(d("2020-02-01")));
        assert!(cal.is_working_day(d("2020-02-03")));
        // 2019's 元旦 started 2018-12-30; 2018-12-29 (Sat) was worked for it.
        assert!(cal.is_working_day(d("2018-12-29")));
        assert!(!cal.is_working_day(d("2018-12-31")));
        assert_eq!(cal.listed(d("2026-02-20")).unwrap().name, "春节");
        assert_eq!(cal.listed(d("2026-02-20")).unwrap().kind, DayKind::Holiday);
    }

    #[test]
    fn ten_working_days_across_national_day_2025() {
        let cal = Calendar::shipped();
        // From Fri 2025-09-26: Sun 9/28 (make-up) 1, Mon 9/29 2, Tue 9/30 3; 10/1–10/8 off;
        // Thu 10/9 4, Fri 10/10 5, Sat 10/11 (make-up) 6; Sun 10/12 off; Mon 10/13 7,
        // Tue 10/14 8, Wed 10/15 9, Thu 10/16 10.
        let from = d("2025-09-26");
        assert_eq!(cal.add_working_days(from, 10), d("2025-10-16"));
        assert_eq!(cal.add_working_days(from, 1), d("2025-09-28"));
        assert_eq!(cal.add_working_days(from, 4), d("2025-10-09"));
        assert_eq!(cal.add_working_days(from, 0), from);
        // n = 0 returns the day even when it is a holiday.
        assert_eq!(cal.add_working_days(d("2025-10-02"), 0), d("2025-10-02"));
        // Weekends only, the same 10 would end on Fri 10/10: two weeks of weekdays.
        assert_eq!(
            Calendar::weekends_only().add_working_days(from, 10),
            d("2025-10-10")
        );
        assert_eq!(cal.working_days_between(from, d("2025-10-16")), 10);
        assert_eq!(cal.working_days_between(d("2025-10-16"), from), -10);
        assert_eq!(cal.working_days_between(from, from), 0);
        // After 10/1 up to 10/8: all holidays.
        assert_eq!(
            cal.working_days_between(d("2025-10-01"), d("2025-10-08")),
            0
        );
    }

    #[test]
    fn spring_festival_2026() {
        let cal = Calendar::shipped();
        // Fri 2026-02-13 → Sat 2/14 (make-up) is the 1st working day, then 2/15–2/23 off,
        // Tue 2/24 the 2nd.
        assert_eq!(cal.add_working_days(d("2026-02-13"), 1), d("2026-02-14"));
        assert_eq!(cal.add_working_days(d("2026-02-13"), 2), d("2026-02-24"));
        // February 2026 has 20 weekdays; 2/16–2/20 and 2/23 are off (−6), 2/14 and 2/28 worked
        // (+2): 16 working days in (1/31, 2/28].
        assert_eq!(
            cal.working_days_between(d("2026-01-31"), d("2026-02-28")),
            16
        );
    }

    /// The arithmetic count and the day-by-day walk are two implementations: they must agree.
    #[test]
    fn counting_agrees_with_stepping() {
        let cal = Calendar::shipped();
        for start in [
            "2018-12-28",
            "2020-01-20",
            "2024-09-13",
            "2025-04-30",
            "2026-12-25",
        ] {
            let from = d(start);
            for n in [1u32, 2, 5, 9, 23, 250] {
                let end = cal.add_working_days(from, n);
                assert!(cal.is_working_day(end), "{start} + {n} = {end}");
                assert_eq!(
                    cal.working_days_between(from, end),
                    i64::from(n),
                    "{start} {n}"
                );
                // The day before the n-th working day holds only n − 1 of them.
                let before = end.add_days(-1).unwrap();
                assert_eq!(cal.working_days_between(from, before), i64::from(n) - 1);
            }
        }
    }

    #[test]
    fn arithmetic_saturates_at_the_edges() {
        let cal = Calendar::weekends_only();
        assert_eq!(cal.add_working_days(d("2200-12-30"), 5), LAST_DAY);
        assert_eq!(cal.add_working_days(d("2025-01-01"), u32::MAX), LAST_DAY);
        // 1900-01-01 was a Monday: 1 Jan – 31 Dec 1900 has 52 weeks and a day, so 261 weekdays
        // counting the Monday itself; the span (1900-01-01, 1900-12-31] holds 260.
        assert_eq!(cal.working_days_between(FIRST_DAY, d("1900-12-31")), 260);
        assert!(cal.working_days_between(FIRST_DAY, LAST_DAY) > 78_000);
    }

    #[test]
    fn user_entries_override_shipped_days_and_add_years() {
        let mut cal = Calendar::shipped();
        // A local rule: 2025-10-08 worked after all; a local day off on Fri 2025-06-06; a whole
        // new year with 元旦 2027.
        let user = Calendar::parse(
            "[2025]\nworkdays = [\"2025-10-08 本地安排\"]\nholidays = [\"2025-06-06 本地\"]\n\
             [2027]\nholidays = [\"2027-01-01 元旦\"]\n",
            "user.toml",
        )
        .unwrap();
        assert!(!cal.is_working_day(d("2025-10-08")));
        assert!(!cal.covers(2027));
        cal.extend(&user);
        assert!(cal.is_working_day(d("2025-10-08")));
        assert!(!cal.is_working_day(d("2025-06-06")));
        assert!(!cal.is_working_day(d("2027-01-01")));
        assert!(cal.covers(2027));
        // The rest of 国庆 2025 is untouched.
        assert!(!cal.is_working_day(d("2025-10-07")));
    }

    #[test]
    fn parse_errors_name_the_file_line_and_entry() {
        let cases = [
            // (text, line, words the message must hold)
            (
                "[2025]\nholidays = [\n  \"2025-01-01\",\n  \"2025-02-30 春节\",\n]\n",
                4,
                "2025-02-30",
            ),
            (
                "[2025]\nholidays = [\"2025-02-04..2025-01-28\"]\n",
                2,
                "结束日期早于",
            ),
            (
                "[2025]\nholidays = [\"2025-10-01..2025-11-30\"]\n",
                2,
                "超过31天",
            ),
            (
                "[2025]\nworkdays = [\"2024-09-29\"]\n",
                2,
                "不在 [2025] 年内",
            ),
            ("[2025]\nholidays = [\"2025/10/01\"]\n", 2, "2025/10/01"),
            (
                "[2025]\nholidays = [\"2025-10-01\"]\nworkdays = [\"2025-10-01\"]\n",
                3,
                "同时列为",
            ),
            ("\n[y2025]\nholidays = []\n", 2, "应为年份"),
            ("[2025]\nholiday = [\"2025-10-01\"]\n", 2, "holiday"),
            ("[2025]\nholidays = [\"2025-10-01\"\n", 2, "TOML"),
        ];
        for (text, line, words) in cases {
            let msg = Calendar::parse(text, "my-cal.toml")
                .unwrap_err()
                .to_string();
            assert!(
                msg.contains("my-cal.toml")
                    && msg.contains(&format!("第{line}行"))
                    && msg.contains(words),
                "{text:?} → {msg}"
            );
        }
        // December of the year before is allowed (元旦); a range may carry a name with spaces.
        let cal = Calendar::parse(
            "[2024]\nholidays = [\"2023-12-30..2024-01-01  元旦 假期\"]\n",
            "x",
        )
        .unwrap();
        assert_eq!(cal.listed(d("2023-12-31")).unwrap().name, "元旦 假期");
    }

    proptest::proptest! {
        /// Stepping and counting agree on any day of the range, and neither panics there.
        #[test]
        fn add_and_count_agree_anywhere(start in -25_567i64..84_000, n in 0u32..400) {
            let cal = Calendar::shipped();
            let Some(from) = Date::new(1970, 1, 1).and_then(|e| e.add_days(start)) else {
                return Ok(());
            };
            let end = cal.add_working_days(from, n);
            if end < LAST_DAY {
                proptest::prop_assert_eq!(cal.working_days_between(from, end), i64::from(n));
                proptest::prop_assert_eq!(cal.working_days_between(end, from), -i64::from(n));
            }
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,80}", cut in 0usize..6000) {
            let _ = Calendar::parse(&text, "x");
            let mut shipped = SHIPPED.to_string();
            let at = (0..=cut.min(shipped.len())).rev().find(|&i| shipped.is_char_boundary(i)).unwrap_or(0);
            shipped.insert_str(at, &text);
            let _ = Calendar::parse(&shipped, "x");
        }
    }
}
