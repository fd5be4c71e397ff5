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
