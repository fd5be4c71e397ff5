//! Calendar dates as analysts write them: 2025-03-14, 2025/3/14, 2025年3月14日, 2025.3.14,
//! 20250314, with or without a time, and Excel serial days.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date (no time zone, no time: suggestions are counted by day and month).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// A checked date; `None` for impossible days such as 2025-02-30.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let valid = (1900..=2200).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// A month as users write it (2025-03, 2025/3, 2025年3月): the date forms of
    /// [`Date::parse`] without the day.
    pub fn parse_month(text: &str) -> Option<(i32, u32)> {
        Date::parse(&format!("{}-01", text.trim())).map(|d| (d.year, d.month))
    }

    /// Parses the date forms found in exports; the time part, if any, is ignored.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        // Everything after the date (a time, 上午/下午) is dropped.
        let date_part = t.split([' ', 'T', '\t']).next().unwrap_or(t);
        let digits_only = date_part.chars().all(|c| c.is_ascii_digit());
        if digits_only && date_part.len() == 8 {
            let y = date_part[0..4].parse().ok()?;
            let m = date_part[4..6].parse().ok()?;
            let d = date_part[6..8].parse().ok()?;
            return Date::new(y, m, d);
        }
        let parts: Vec<&str> = date_part
            .split(['-', '/', '.', '年', '月', '日'])
            .filter(|p| !p.is_empty())
            .collect();
        if parts.len() != 3 || parts.iter().any(|p| !p.chars().all(|c| c.is_ascii_digit())) {
            return None;
        }
        Date::new(
            parts[0].parse().ok()?,
            parts[1].parse().ok()?,
            parts[2].parse().ok()?,
        )
    }

    /// The date of an Excel serial day number (1900 date system, as calamine reports it).
    pub fn from_excel_serial(serial: f64) -> Option<Self> {
        if !(1.0..2_958_466.0).contains(&serial) {
            return None;
        }
        // Day 25569 is 1970-01-01; Excel's phantom 1900-02-29 only affects serials below 61.
        let days = serial.floor() as i64 - 25_569;
        let (y, m, d) = civil_from_days(days);
        Date::new(y, m, d)
    }

    /// "2025-03" — the month key used in reports.
    pub fn month_key(&self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// Today in China (UTC+8), where the platforms count their days.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let (y, m, d) = civil_from_days((secs + 8 * 3600).div_euclid(86_400));
        Date::new(y, m, d).unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        })
    }

    /// Days since 1970-01-01 (negative before).
    pub fn day_number(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// The date `n` days after this one (before, when negative); `None` outside 1900–2200.
    pub fn add_days(&self, n: i64) -> Option<Date> {
        let (y, m, d) = civil_from_days(self.day_number() + n);
        Date::new(y, m, d)
    }

    /// Calendar days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(&self, later: Date) -> i64 {
        later.day_number() - self.day_number()
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub fn weekday(&self) -> u32 {
        // 1970-01-01 was a Thursday.
        ((self.day_number() + 3).rem_euclid(7) + 1) as u32
    }

    /// The first day of this date's month.
    pub fn month_start(&self) -> Date {
        Date { day: 1, ..*self }
    }

    /// The last day of this date's month.
    pub fn month_end(&self) -> Date {
        Date {
            day: days_in_month(self.year, self.month),
            ..*self
        }
    }
}

/// Howard Hinnant's civil-to-days algorithm, the inverse of [`civil_from_days`].
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Howard Hinnant's days-to-civil algorithm: days since 1970-01-01 to (year, month, day).
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("bad date {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let want = Date::new(2025, 3, 14).unwrap();
        for s in [
            "2025-03-14",
            "2025/3/14",
            "2025年3月14日",
            "2025.03.14",
            "20250314",
            " 2025-3-14 09:30:00 ",
            "2025-03-14T09:30:00",
        ] {
            assert_eq!(Date::parse(s), Some(want), "{s}");
        }
    }

    #[test]
    fn parses_months() {
        for s in ["2025-03", " 2025/3 ", "2025年3月", "2025.03"] {
            assert_eq!(Date::parse_month(s), Some((2025, 3)), "{s}");
        }
        for s in ["2025-13", "2025-99", "2025", "", "三月"] {
            assert_eq!(Date::parse_month(s), None, "{s}");
        }
    }

    #[test]
    fn day_arithmetic() {
        let d = Date::new(2024, 2, 28).unwrap();
        assert_eq!(d.add_days(1), Date::new(2024, 2, 29));
        assert_eq!(d.add_days(2), Date::new(2024, 3, 1));
        assert_eq!(
            Date::new(2025, 1, 1).unwrap().add_days(-1),
            Date::new(2024, 12, 31)
        );
        assert_eq!(d.days_until(Date::new(2025, 2, 28).unwrap()), 366);
        // 2026-12-01 is a Tuesday, 2024-10-06 a Sunday.
        assert_eq!(Date::new(2026, 12, 1).unwrap().weekday(), 2);
        assert_eq!(Date::new(2024, 10, 6).unwrap().weekday(), 7);
        assert_eq!(Date::new(1970, 1, 1).unwrap().day_number(), 0);
        assert_eq!(d.month_end(), Date::new(2024, 2, 29).unwrap());
        assert_eq!(d.month_start(), Date::new(2024, 2, 1).unwrap());
        for n in [-800_000i64, -1, 0, 59, 20_000, 60_000] {
            let (y, m, dd) = civil_from_days(n);
            assert_eq!(days_from_civil(y, m, dd), n);
        }
    }

    #[test]
    fn rejects_impossible_dates() {
        for s in [
            "2025-02-30",
            "2025-13-01",
            "待定",
            "",
            "2025-03",
            "3/14/2025x",
        ] {
            assert_eq!(Date::parse(s), None, "{s}");
        }
        assert!(Date::parse("2024-02-29").is_some());
    }

    #[test]
    fn excel_serials() {
        assert_eq!(Date::from_excel_serial(45730.0), Date::new(2025, 3, 14));
        assert_eq!(Date::from_excel_serial(45730.75), Date::new(2025, 3, 14));
        assert_eq!(Date::from_excel_serial(-3.0), None);
    }
}
