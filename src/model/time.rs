//! Every duration format, in one place.

/// `H:MM:SS`, rounded to the nearest second: the feed's `itunes:duration`.
pub fn itunes_duration(seconds: f64) -> String {
    let total = seconds.round() as u64;
    format!("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
}
