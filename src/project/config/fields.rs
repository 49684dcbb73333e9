//! Single fields as the config writes them: sources, required texts, URLs, e-mail
//! addresses, dates, times, categories and project files.

use std::path::PathBuf;

use chrono::{NaiveDate, NaiveTime};
use toml::Spanned;
use url::Url;

use crate::model::problem::Problem;
use crate::model::{Category, Source};

use super::hint;
use super::raw::*;
use super::span::*;
use super::validate::Validator;
use super::validated::FileRef;
use super::values::*;

impl Validator<'_> {
    /// A resource given by exactly one of `url` and `file`.
    pub(super) fn source(
        &mut self,
        offset: usize,
        url: Option<Text>,
        file: Option<Text>,
        what: &str,
    ) -> Option<Source> {
        match (url, file) {
            (Some(url), None) => self.url(&url).map(Source::Url),
            (None, Some(file)) => self.project_file(&file).map(Source::File),
            _ => {
                self.error_at(
                    offset,
                    format!("a {what} needs exactly one of `url` and `file`"),
                );
                None
            }
        }
    }

    /// A non-empty text, trimmed of surrounding white space.
    pub(super) fn required(&mut self, text: Text) -> String {
        let value = text.get_ref().trim();
        if value.is_empty() {
            self.error_at(text.span().start, "this text must not be empty");
        }
        value.to_string()
    }

    pub(super) fn url(&mut self, text: &Text) -> Option<Url> {
        match parse_web_url(text.get_ref()) {
            Ok(url) => Some(url),
            Err(why) => {
                self.error_with_hint(text.span(), why, hint::url(text.get_ref()));
                None
            }
        }
    }

    pub(super) fn email(&mut self, text: Text) -> String {
        let value = text.get_ref().trim();
        let valid = value.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }) && !value
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>');
        if !valid {
            self.error_at(
                text.span().start,
                format!("`{value}` is not an email address"),
            );
        } else if let Some((_, domain)) = value.rsplit_once('@') {
            self.reserved_domain(&text, domain, "email address");
        }
        value.to_string()
    }

    /// Records a placeholder when `domain` is reserved for examples (RFC 2606): an address
    /// there reaches nobody, and once published it is pinned in `cyclecast.lock`.
    pub(super) fn reserved_domain(&mut self, text: &Text, domain: &str, what: &str) {
        if is_example_domain(domain) {
            let problem = Problem::spanning(
                self.file,
                self.text,
                token_span(self.text, text.span().start),
                format!(
                    "this {what} is on `{domain}`, a domain reserved for examples: write the real one before publishing"
                ),
            );
            self.placeholders.push(Problem {
                severity: crate::model::problem::Severity::Warning,
                ..problem
            });
        }
    }

    /// A day: `"2022-10-25"`, or TOML's own local date `2022-10-25`, in [`YEARS`].
    pub(super) fn date(&mut self, moment: &Spanned<RawMoment>) -> Option<NaiveDate> {
        let day = self.any_date(moment)?;
        if !is_writable_date(day) {
            self.error_at(
                moment.span().start,
                format!(
                    "`{}` is out of range: a date must be in the years {} to {}",
                    moment.get_ref(),
                    YEARS.start(),
                    YEARS.end()
                ),
            );
            return None;
        }
        Some(day)
    }

    pub(super) fn any_date(&mut self, moment: &Spanned<RawMoment>) -> Option<NaiveDate> {
        let text = match moment.get_ref() {
            RawMoment::Text(text) => text,
            RawMoment::Native(toml::value::Datetime {
                date: Some(date),
                time: None,
                offset: None,
            }) => {
                let day = NaiveDate::from_ymd_opt(
                    i32::from(date.year),
                    u32::from(date.month),
                    u32::from(date.day),
                );
                // TOML checked the day exists; a day chrono cannot hold is out of any cycle.
                if day.is_none() {
                    self.error_at(moment.span().start, format!("`{date}` is not a date"));
                }
                return day;
            }
            RawMoment::Native(datetime) => {
                self.error_at(
                    moment.span().start,
                    format!("`{datetime}` is not a date: write the day alone (YYYY-MM-DD, e.g. 2022-10-25) and the start in `time`"),
                );
                return None;
            }
        };
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .inspect_err(|_| {
                self.error_with_hint(
                    moment.span(),
                    format!("`{text}` is not a date: expected YYYY-MM-DD, e.g. 2022-10-25"),
                    Some(hint::date(text)),
                );
            })
            .ok()
    }

    /// A start time to the minute: `"19:00"`, or TOML's own local time `19:00:00` (or
    /// `19:00`), whose seconds must be 0.
    pub(super) fn time(&mut self, moment: &Spanned<RawMoment>) -> Option<NaiveTime> {
        let parsed = match moment.get_ref() {
            RawMoment::Text(text) => NaiveTime::parse_from_str(text, "%H:%M").ok(),
            RawMoment::Native(toml::value::Datetime {
                date: None,
                time: Some(time),
                offset: None,
            }) if time.second.unwrap_or(0) == 0 && time.nanosecond.unwrap_or(0) == 0 => {
                NaiveTime::from_hms_opt(u32::from(time.hour), u32::from(time.minute), 0)
            }
            RawMoment::Native(_) => None,
        };
        if parsed.is_none() {
            let written = moment.get_ref().to_string();
            self.error_with_hint(
                moment.span(),
                format!("`{written}` is not a time: expected HH:MM, e.g. 19:00"),
                Some(hint::time(&written)),
            );
        }
        parsed
    }

    pub(super) fn category(&mut self, text: &Text) -> Option<Category> {
        let mut parts = text.get_ref().split('>').map(str::trim);
        let name = parts.next().unwrap_or_default().to_string();
        let sub = parts.next().map(str::to_string);
        if name.is_empty() || sub.as_deref() == Some("") || parts.next().is_some() {
            self.error_at(
                text.span().start,
                format!(
                    "`{}` is not a category: expected `Name` or `Name > Subcategory`",
                    text.get_ref()
                ),
            );
            return None;
        }
        if !crate::model::rules::is_apple_category(&name, sub.as_deref()) {
            self.error_with_hint(
                text.span(),
                format!("`{}` is not an Apple Podcasts category", text.get_ref()),
                hint::category(&name, sub.as_deref()),
            );
            return None;
        }
        Some(Category { name, sub })
    }

    /// A relative folder path that stays inside the project, resolved against the root. Its
    /// existence is checked by [`load`].
    pub(super) fn project_folder(&mut self, text: &Text) -> Option<FileRef> {
        let written = text.get_ref();
        match inside_project(written) {
            Ok(relative) => Some(FileRef {
                path: self.root.join(relative),
                written: written.clone(),
                position: self.lines.line_col(text.span().start),
            }),
            Err(why) => {
                self.error_at(text.span().start, why);
                None
            }
        }
    }

    /// A relative path that stays inside the project, resolved against the root.
    pub(super) fn project_file(&mut self, text: &Text) -> Option<PathBuf> {
        let written = text.get_ref();
        match inside_project(written) {
            Ok(relative) => {
                let path = self.root.join(relative);
                let position = self.lines.line_col(text.span().start);
                self.files.push(FileRef {
                    path: path.clone(),
                    written: written.clone(),
                    position,
                });
                Some(path)
            }
            Err(why) => {
                self.error_at(text.span().start, why);
                None
            }
        }
    }
}

impl Validator<'_> {
    /// The `[deploy]` table: `notify` names WebSub hubs by URL, or `podcastindex`.
    pub(super) fn deploy(&mut self, raw: RawDeploy) -> super::Deploy {
        let to = raw.to.map(|to| self.required(to));
        let endpoint = raw.endpoint.and_then(|e| self.url(&e));
        let notify = raw
            .notify
            .iter()
            .filter_map(|target| match target.get_ref().trim() {
                "podcastindex" => Some(super::Notify::PodcastIndex),
                _ => self.url(target).map(super::Notify::Hub),
            })
            .collect();
        super::Deploy {
            to,
            endpoint,
            notify,
        }
    }
}
