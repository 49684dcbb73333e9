//! How often the cycle meets, from its sessions' dates (pure): the feed's
//! `podcast:updateFrequency`, an RFC 5545 recurrence rule and its words in the cycle's
//! language.

use chrono::NaiveDate;

use crate::model::lang::Lang;

/// The unit a cycle's sessions recur in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
    /// Years.
    Year,
}

/// Sessions every `interval` `unit`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frequency {
    /// The unit.
    pub unit: Unit,
    /// How many units apart, from 1.
    pub interval: u32,
}

impl Frequency {
    /// The typical spacing of `dates` (the median of the days between consecutive distinct
    /// dates, the lower of the two middle ones: a session announced far ahead does not make
    /// a monthly cycle yearly), in the nearest unit: `None` with fewer than two distinct
    /// dates.
    pub fn of(dates: &[NaiveDate]) -> Option<Frequency> {
        let mut dates = dates.to_vec();
        dates.sort();
        dates.dedup();
        let mut gaps: Vec<i64> = dates
            .windows(2)
            .map(|pair| (pair[1] - pair[0]).num_days())
            .collect();
        if gaps.is_empty() {
            return None;
        }
        gaps.sort_unstable();
        let days = gaps[(gaps.len() - 1) / 2] as f64;
        let (unit, per_unit) = match days {
            d if d < 4.0 => (Unit::Day, 1.0),
            d if d < 25.0 => (Unit::Week, 7.0),
            d if d < 300.0 => (Unit::Month, 365.25 / 12.0),
            _ => (Unit::Year, 365.25),
        };
        let interval = ((days / per_unit).round() as u32).max(1);
        Some(Frequency { unit, interval })
    }

    /// The RFC 5545 rule, e.g. `FREQ=MONTHLY` or `FREQ=WEEKLY;INTERVAL=2`.
    pub fn rrule(&self) -> String {
        let freq = match self.unit {
            Unit::Day => "DAILY",
            Unit::Week => "WEEKLY",
            Unit::Month => "MONTHLY",
            Unit::Year => "YEARLY",
        };
        match self.interval {
            1 => format!("FREQ={freq}"),
            n => format!("FREQ={freq};INTERVAL={n}"),
        }
    }

    /// In words, in the cycle's language: « Chaque mois », « Toutes les 2 semaines »,
    /// "Every 2 weeks".
    pub fn words(&self, lang: &Lang) -> String {
        let n = self.interval;
        if lang.is_french() {
            match (self.unit, n) {
                (Unit::Day, 1) => "Chaque jour".into(),
                (Unit::Day, n) => format!("Tous les {n} jours"),
                (Unit::Week, 1) => "Chaque semaine".into(),
                (Unit::Week, n) => format!("Toutes les {n} semaines"),
                (Unit::Month, 1) => "Chaque mois".into(),
                (Unit::Month, n) => format!("Tous les {n} mois"),
                (Unit::Year, 1) => "Chaque année".into(),
                (Unit::Year, n) => format!("Tous les {n} ans"),
            }
        } else {
            match (self.unit, n) {
                (Unit::Day, 1) => "Daily".into(),
                (Unit::Day, n) => format!("Every {n} days"),
                (Unit::Week, 1) => "Weekly".into(),
                (Unit::Week, n) => format!("Every {n} weeks"),
                (Unit::Month, 1) => "Monthly".into(),
                (Unit::Month, n) => format!("Every {n} months"),
                (Unit::Year, 1) => "Yearly".into(),
                (Unit::Year, n) => format!("Every {n} years"),
            }
        }
    }
}

/// What the feed says of a cycle whose every session is published, in its language.
pub fn complete_words(lang: &Lang) -> &'static str {
    if lang.is_french() {
        "Cycle terminé"
    } else {
        "Complete"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(dates: &[&str]) -> Vec<NaiveDate> {
        dates.iter().map(|d| d.parse().unwrap()).collect()
    }

    #[test]
    fn reads_the_typical_spacing_of_the_sessions() {
        // The real cycle's days: 30, 56, 14 and 35 days apart, about monthly.
        let monthly = days(&[
            "2022-10-25",
            "2022-11-24",
            "2023-01-19",
            "2023-02-02",
            "2023-03-09",
        ]);
        let frequency = Frequency::of(&monthly).unwrap();
        assert_eq!(frequency.rrule(), "FREQ=MONTHLY");
        assert_eq!(
            frequency.words(&Lang::from_tag("fr").unwrap()),
            "Chaque mois"
        );
        // Two sessions a month apart, then one announced nine months ahead.
        let announced_far = days(&["2023-03-09", "2023-04-13", "2024-01-18"]);
        assert_eq!(
            Frequency::of(&announced_far).unwrap().rrule(),
            "FREQ=MONTHLY"
        );
        let fortnightly = days(&["2024-01-01", "2024-01-15", "2024-01-29", "2024-02-12"]);
        let frequency = Frequency::of(&fortnightly).unwrap();
        assert_eq!(frequency.rrule(), "FREQ=WEEKLY;INTERVAL=2");
        assert_eq!(
            frequency.words(&Lang::from_tag("en").unwrap()),
            "Every 2 weeks"
        );
        assert_eq!(
            frequency.words(&Lang::from_tag("fr").unwrap()),
            "Toutes les 2 semaines"
        );
    }

    #[test]
    fn needs_two_distinct_days() {
        assert_eq!(Frequency::of(&days(&["2024-01-01"])), None);
        assert_eq!(Frequency::of(&days(&["2024-01-01", "2024-01-01"])), None);
        assert_eq!(Frequency::of(&[]), None);
    }
}
