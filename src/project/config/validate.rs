//! Raw values into the model: [`parse_all`] drives a [`Validator`], which collects every
//! problem on the way. The sessions' values are checked in `session.rs`, single fields
//! (files, URLs, dates, times) in `fields.rs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono_tz::Tz;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use url::Url;

use crate::model::lang::Lang;
use crate::model::problem::Problem;
use crate::model::rules;
use crate::model::{
    Credit, Cycle, Id3Version, License, Link, Organization, Owner, Place, Podcast, RemotePodcast,
    Season, Session, ShowType, Txt,
};

use super::hint;
use super::raw::*;
use super::span::*;
use super::validated::{Config, FileRef};
use super::values::*;

/// What [`parse_all`] found: the config when the text could be read as one, the project
/// files it names, its problems and its placeholders (see [`Loaded`]).
pub(super) type Parsed = (Option<Config>, Vec<FileRef>, Vec<Problem>, Vec<Problem>);

/// Parses and validates; returns the config when the text is valid, the project files it
/// names (as far as the text could be read), the problems and the placeholders found.
pub(super) fn parse_all(text: &str, file: &str, root: &Path) -> Parsed {
    let mut v = Validator {
        text,
        lines: crate::model::problem::LineIndex::new(text),
        file,
        root,
        problems: Vec::new(),
        placeholders: Vec::new(),
        files: Vec::new(),
        seen: HashMap::new(),
    };
    let mut raw = match v.deserialize() {
        Ok(raw) => raw,
        Err(problems) => return (None, Vec::new(), problems, Vec::new()),
    };
    let theme = raw
        .page
        .take()
        .and_then(|p| p.theme)
        .and_then(|t| v.project_folder(&t));
    let deploy = v.deploy(raw.deploy.take().unwrap_or_default());
    let mut cycle = v.cycle(raw);
    cycle.podcast.hubs = deploy.hubs();
    v.problems.sort_by_key(|p| p.position);
    // Built even when some values are wrong (they hold placeholders then), so that the
    // other checks still run; a config with problems is never published.
    let config = Config {
        root: root.to_path_buf(),
        cycle,
        files: v.files.clone(),
        bad_files: Vec::new(),
        theme,
        deploy,
    };
    (Some(config), v.files, v.problems, v.placeholders)
}

/// A value no two sessions may share.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Unique {
    /// A session id.
    Id(String),
    /// A session number, as written.
    Number(i64),
    /// A recording, by its key ([`crate::project::config::recording_key`]).
    Recording(PathBuf),
}

/// Collects problems while turning raw values into model values.
pub(super) struct Validator<'a> {
    pub(super) text: &'a str,
    pub(super) lines: crate::model::problem::LineIndex<'a>,
    pub(super) file: &'a str,
    pub(super) root: &'a Path,
    pub(super) problems: Vec<Problem>,
    /// Values invented by `init` or `session add`, still to replace.
    pub(super) placeholders: Vec<Problem>,
    pub(super) files: Vec<FileRef>,
    /// Session ids, numbers and recordings already seen, with their line.
    pub(super) seen: HashMap<Unique, usize>,
}

impl Validator<'_> {
    /// Reports an error about the key or value written at `offset`, underlining all of it.
    pub(super) fn error_at(&mut self, offset: usize, message: impl Into<String>) {
        self.error_with_hint(token_span(self.text, offset), message, None);
    }

    /// Reports an error about the bytes `span`, with a hint on how to fix it when one helps.
    pub(super) fn error_with_hint(
        &mut self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let problem = Problem::spanning(self.file, self.text, span, message);
        self.problems.push(Problem { hint, ..problem });
    }

    /// Deserializes the raw config, reporting syntax and type errors and every unknown key.
    pub(super) fn deserialize(&mut self) -> Result<RawConfig, Vec<Problem>> {
        // Checked before TOML reads the text: it refuses most of these characters with a
        // message that does not name them, and takes the others into values.
        let written = self.forbidden_characters();
        let document = match DeTable::parse(self.text) {
            Ok(document) => document,
            Err(e) if written.is_empty() => return Err(vec![self.toml_problem(&e)]),
            Err(_) => return Err(written),
        };
        self.problems.extend(written);
        self.forbidden_escapes(document.get_ref());
        let mut unknown = Vec::new();
        let deserializer = toml::de::Deserializer::from(document.clone());
        let raw: Result<RawConfig, _> =
            serde_ignored::deserialize(deserializer, |path| unknown.push(segments(&path)));
        for path in unknown {
            let (span, name) = locate(document.get_ref(), &path);
            let hint = hint::unknown_key(&path);
            self.error_with_hint(span, format!("unknown key `{name}`"), hint);
        }
        match raw {
            Ok(raw) => Ok(raw),
            Err(e) => {
                let mut problems = std::mem::take(&mut self.problems);
                problems.push(self.toml_problem(&e));
                Err(problems)
            }
        }
    }

    /// Every character of the text that no published text may hold (see
    /// [`crate::model::text::is_forbidden`]), wherever it is: every text of the config is checked
    /// by this one rule, so a new key cannot be forgotten.
    pub(super) fn forbidden_characters(&self) -> Vec<Problem> {
        self.text
            .char_indices()
            .filter(|&(_, c)| crate::model::text::is_forbidden(c))
            .map(|(offset, c)| self.forbidden_problem(offset..offset + c.len_utf8(), c))
            .collect()
    }

    /// The same rule for what escapes write (`"\u000B"`, `"\e"`, `"\b"`): each string of the
    /// document, keys included, decoded, reported at its escape.
    pub(super) fn forbidden_escapes(&mut self, table: &DeTable<'_>) {
        for (key, value) in table {
            self.forbidden_in_string(key.get_ref(), key.span());
            self.forbidden_in_value(value);
        }
    }

    pub(super) fn forbidden_in_value(&mut self, value: &Spanned<DeValue<'_>>) {
        match value.get_ref() {
            DeValue::String(string) => self.forbidden_in_string(string, value.span()),
            DeValue::Array(items) => items.iter().for_each(|item| self.forbidden_in_value(item)),
            DeValue::Table(table) => self.forbidden_escapes(table),
            _ => {}
        }
    }

    /// Reports each forbidden character of a decoded string that its escapes wrote; those
    /// written as they are were reported by [`Validator::forbidden_characters`].
    pub(super) fn forbidden_in_string(&mut self, decoded: &str, span: std::ops::Range<usize>) {
        if crate::model::text::first_forbidden(decoded).is_none() {
            return;
        }
        let written = self.text.get(span.clone()).unwrap_or_default();
        let escapes = escapes(written)
            .filter(|(_, c)| crate::model::text::is_forbidden(*c))
            .map(|(range, c)| (span.start + range.start..span.start + range.end, c))
            .collect::<Vec<_>>();
        for (range, c) in escapes {
            let problem = self.forbidden_problem(range, c);
            self.problems.push(problem);
        }
    }

    pub(super) fn forbidden_problem(&self, span: std::ops::Range<usize>, c: char) -> Problem {
        Problem::spanning(
            self.file,
            self.text,
            span,
            format!(
                "{} is not allowed in a text: feeds (XML 1.0) and terminals cannot carry control characters",
                crate::model::text::describe(c)
            ),
        )
        .with_hint("remove it (a line break within a text is a plain new line in a \"\"\"-quoted text)")
    }

    pub(super) fn toml_problem(&self, error: &toml::de::Error) -> Problem {
        let message = error.message().trim_end_matches('\n').replace('\n', "; ");
        match error.span() {
            Some(span) => Problem {
                hint: hint::bare_text(self.text, span.start),
                ..Problem::spanning(self.file, self.text, span, message)
            },
            None => Problem::error(self.file, message),
        }
    }

    pub(super) fn cycle(&mut self, raw: RawConfig) -> Cycle {
        let podcast = self.podcast(raw.podcast);
        let organizer = self.organization(raw.organizer);
        let partners = raw
            .partners
            .into_iter()
            .map(|p| self.organization(p))
            .collect();
        let place = raw.place.map(|p| Place {
            name: self.limited(p.name, rules::NAME),
            address: self.required(p.address),
            url: p.url.and_then(|u| self.url(&u)),
            geo: p.geo.and_then(|g| self.geo(&g)),
            osm: p.osm.and_then(|o| self.osm(&o)),
        });
        let credits = raw
            .credits
            .into_iter()
            .map(|c| Credit {
                role: self.required(c.role),
                name: self.required(c.name),
                url: c.url.and_then(|u| self.url(&u)),
            })
            .collect();
        let mut sessions: Vec<Session> = raw
            .sessions
            .into_iter()
            .filter_map(|s| self.session(s))
            .collect();
        sessions.sort_by_key(|s| s.number);
        let renditions = self.renditions(raw.renditions.unwrap_or_default());
        Cycle {
            podcast,
            organizer,
            partners,
            place,
            credits,
            sessions,
            renditions,
        }
    }

    pub(super) fn podcast(&mut self, raw: Spanned<RawPodcast>) -> Podcast {
        let raw = raw.into_inner();
        let lang = Lang::from_tag(raw.language.get_ref()).unwrap_or_else(|| {
            self.error_with_hint(
                raw.language.span(),
                format!(
                    "unsupported language `{}`: expected a language tag such as `fr` or `en-GB` (labels exist for French and English)",
                    raw.language.get_ref()
                ),
                hint::language(raw.language.get_ref(), |tag| Lang::from_tag(tag).is_some()),
            );
            Lang::from_tag("fr").expect("fr is built in")
        });
        let base_url = self.url(&raw.base_url).map(with_trailing_slash);
        if let Some(domain) = base_url.as_ref().and_then(|u| u.host_str()) {
            self.reserved_domain(&raw.base_url, domain, "address");
        }
        let guid = match &raw.guid {
            Some(g) => uuid::Uuid::parse_str(g.get_ref()).unwrap_or_else(|_| {
                self.error_at(g.span().start, format!("`{}` is not a UUID", g.get_ref()));
                uuid::Uuid::nil()
            }),
            None => base_url
                .as_ref()
                .map_or(uuid::Uuid::nil(), crate::project::guid::podcast_guid),
        };
        let time_zone = Tz::from_str(raw.time_zone.get_ref()).unwrap_or_else(|_| {
            self.error_with_hint(
                raw.time_zone.span(),
                format!(
                    "unknown time zone `{}`: expected an IANA name such as `Europe/Paris`",
                    raw.time_zone.get_ref()
                ),
                hint::time_zone(raw.time_zone.get_ref()),
            );
            Tz::UTC
        });
        let categories = raw
            .categories
            .iter()
            .filter_map(|c| self.category(c))
            .collect();
        let owner = Owner {
            name: self.required(raw.owner.name),
            email: self.email(raw.owner.email),
        };
        let show_type = match raw.show_type.as_ref().map(|t| t.get_ref().as_str()) {
            None | Some("episodic") => ShowType::Episodic,
            Some("serial") => ShowType::Serial,
            Some(other) => {
                let offset = raw.show_type.as_ref().map_or(0, |t| t.span().start);
                self.error_at(
                    offset,
                    format!("unknown podcast type `{other}`: expected `episodic` or `serial`"),
                );
                ShowType::Episodic
            }
        };
        let season_number = match &raw.season {
            None => 1,
            Some(n) => u32::try_from(*n.get_ref())
                .ok()
                .filter(|n| *n >= 1)
                .unwrap_or_else(|| {
                    self.error_at(n.span().start, "the season must be a number from 1");
                    1
                }),
        };
        let id3_version = match raw.id3_version.as_ref().map(|v| v.get_ref().trim()) {
            None | Some("2.3") => Id3Version::V23,
            Some("2.4") => Id3Version::V24,
            Some(other) => {
                let offset = raw.id3_version.as_ref().map_or(0, |v| v.span().start);
                self.error_at(
                    offset,
                    format!("unknown ID3 version `{other}`: expected \"2.3\" or \"2.4\""),
                );
                Id3Version::V23
            }
        };
        let feed_page_size = match &raw.feed_page_size {
            None => rules::FEED_PAGE_SIZE,
            Some(n) => usize::try_from(*n.get_ref())
                .ok()
                .filter(|n| rules::FEED_PAGE_SIZES.contains(n))
                .unwrap_or_else(|| {
                    self.error_at(
                        n.span().start,
                        format!(
                            "`feed_page_size` is a number of episodes from {} to {}",
                            rules::FEED_PAGE_SIZES.start(),
                            rules::FEED_PAGE_SIZES.end()
                        ),
                    );
                    rules::FEED_PAGE_SIZE
                }),
        };
        let season = Season {
            number: season_number,
            name: raw.season_name.map_or_else(
                || raw.title.get_ref().trim().to_string(),
                |n| self.limited(n, rules::NAME),
            ),
        };
        Podcast {
            hubs: Vec::new(),
            title: self.limited(raw.title, rules::TITLE),
            subtitle: raw.subtitle.map(|s| self.limited(s, rules::TITLE)),
            description: self.limited(raw.description, rules::DESCRIPTION),
            lang,
            base_url: base_url.unwrap_or_else(|| Url::parse("http://invalid/").expect("valid URL")),
            guid,
            guid_from_config: raw.guid.is_some(),
            time_zone,
            cover: raw.cover.and_then(|c| self.project_file(&c)),
            categories,
            explicit: raw.explicit,
            author: self.required(raw.author),
            copyright: raw.copyright.map(|c| self.required(c)),
            owner,
            show_type,
            id3_version,
            feed_page_size,
            locked: raw.locked,
            season,
            license: raw.license.map(|l| License {
                name: self.required(l.name),
                url: l.url.and_then(|u| self.url(&u)),
            }),
            funding: raw
                .funding
                .into_iter()
                .filter_map(|l| self.link(l))
                .collect(),
            txt: raw
                .txt
                .into_iter()
                .map(|t| Txt {
                    text: self.limited(t.text, rules::TXT),
                    purpose: t.purpose.map(|p| self.limited(p, rules::NAME)),
                })
                .collect(),
            podroll: raw
                .podroll
                .into_iter()
                .filter_map(|p| self.remote_podcast(p))
                .collect(),
        }
    }

    /// A podcast of the podroll: its feed's address, and its GUID as written or derived
    /// from that address (the rule every Podcasting 2.0 feed follows for its own).
    fn remote_podcast(&mut self, raw: RawRemotePodcast) -> Option<RemotePodcast> {
        let feed_url = self.url(&raw.feed)?;
        let feed_guid = match &raw.guid {
            Some(g) => uuid::Uuid::parse_str(g.get_ref().trim())
                .map_err(|_| {
                    self.error_at(g.span().start, format!("`{}` is not a UUID", g.get_ref()))
                })
                .ok()?,
            None => crate::project::guid::feed_guid(feed_url.as_str()),
        };
        Some(RemotePodcast {
            feed_url,
            feed_guid,
        })
    }

    pub(super) fn link(&mut self, raw: RawLink) -> Option<Link> {
        let title = self.limited(raw.title, rules::TITLE);
        let lang = raw.lang.and_then(|l| self.lang(&l));
        self.url(&raw.url).map(|url| Link { title, url, lang })
    }

    /// A language tag for a passage in another language than the cycle's.
    pub(super) fn lang(&mut self, text: &Text) -> Option<String> {
        let tag = text.get_ref().trim();
        if crate::model::lang::is_language_tag(tag) {
            Some(tag.to_string())
        } else {
            self.error_with_hint(
                text.span(),
                format!("`{tag}` is not a language tag: expected e.g. `en`, `nl` or `pt-BR`"),
                hint::language(tag, crate::model::lang::is_language_tag),
            );
            None
        }
    }

    /// A required text, trimmed, within what podcast directories accept.
    pub(super) fn limited(&mut self, text: Text, limit: rules::Limit) -> String {
        let offset = text.span().start;
        let value = self.required(text);
        if let Some(why) = limit.excess(&value) {
            self.error_at(offset, why);
        }
        value
    }

    pub(super) fn organization(&mut self, raw: RawOrganization) -> Organization {
        Organization {
            name: self.required(raw.name),
            url: raw.url.and_then(|u| self.url(&u)),
        }
    }
}
