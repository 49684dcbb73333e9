//! The cycle's language: its tag as written in the feed, and which of the built-in languages
//! (French, English) it is. Its labels are `render`'s (`render::labels`).

/// Whether `tag` is shaped like a BCP 47 language tag (`fr`, `en-GB`, `nl`): a 2- or 3-letter
/// language, then subtags of 2 to 8 letters or digits. Any language may be named for a passage
/// (`lang` on a speaker or a link); only French and English have labels.
pub fn is_language_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.split('-').enumerate().all(|(i, part)| {
            let len_ok = if i == 0 {
                (2..=3).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphabetic())
            } else {
                (2..=8).contains(&part.len())
            };
            len_ok && part.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// A built-in language: one the pages and show notes have labels for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `fr`, `fr-BE`…
    French,
    /// `en`, `en-GB`…
    English,
}

impl Language {
    /// The language's three-letter ISO 639-2 code, as ID3 frames want it (`fra`, `eng`).
    pub fn iso_639_2(self) -> &'static str {
        match self {
            Language::French => "fra",
            Language::English => "eng",
        }
    }
}

/// The cycle's language: its tag (as written in the feed) and its built-in base language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lang {
    /// BCP 47 tag, e.g. `fr` or `fr-FR`.
    pub tag: String,
    /// The tag's base language, whose labels the pages use.
    pub language: Language,
}

impl Lang {
    /// Looks up a language tag; `None` when its base language (compared without case) is not
    /// built in.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        if !is_language_tag(tag) {
            return None;
        }
        let base = tag
            .split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let language = match base.as_str() {
            "fr" => Language::French,
            "en" => Language::English,
            _ => return None,
        };
        Some(Lang {
            tag: tag.to_string(),
            language,
        })
    }

    /// Whether the cycle is in French (any `fr` tag): French labels, dates, units and
    /// punctuation.
    pub fn is_french(&self) -> bool {
        self.language == Language::French
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unknown_or_malformed_language_tags() {
        assert!(Lang::from_tag("de").is_none());
        assert!(Lang::from_tag("f").is_none());
        assert!(Lang::from_tag("fr_FR").is_none());
        assert_eq!(Lang::from_tag("fr-FR").unwrap().language, Language::French);
    }

    #[test]
    fn tells_french_by_its_base_language() {
        assert!(Lang::from_tag("fr").unwrap().is_french());
        assert!(Lang::from_tag("fr-BE").unwrap().is_french());
        assert!(!Lang::from_tag("en-GB").unwrap().is_french());
    }

    #[test]
    fn gives_the_iso_639_2_code_of_a_tag_in_any_case() {
        for (tag, code) in [
            ("fr", "fra"),
            ("FR", "fra"),
            ("fr-BE", "fra"),
            ("en-GB", "eng"),
        ] {
            assert_eq!(
                Lang::from_tag(tag).unwrap().language.iso_639_2(),
                code,
                "{tag}"
            );
        }
    }
}
