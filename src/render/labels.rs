//! The page's and the show notes' labels in the cycle's language, and how dates are written
//! in it.
//!
//! French and English are built in; a language tag such as `fr-BE` uses its base language's
//! labels (see [`Language`]).

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use serde::Serialize;

use crate::model::Role;
use crate::model::lang::{Lang, Language};

/// The labels in the cycle's language.
pub fn labels(lang: &Lang) -> &'static Labels {
    match lang.language {
        Language::French => &FRENCH,
        Language::English => &ENGLISH,
    }
}

/// Writes a session's day (and time, when known) in words, e.g.
/// `mardi 25 octobre 2022 à 19 h 00` or `Tuesday 25 October 2022, 7:00 pm`.
pub fn long_date(lang: &Lang, date: NaiveDate, time: Option<NaiveTime>) -> String {
    let l = labels(lang);
    let weekday = l.weekdays[date.weekday().num_days_from_monday() as usize];
    let month = l.months[date.month0() as usize];
    let day = format!("{weekday} {} {month} {}", date.day(), date.year());
    match time {
        None => day,
        Some(t) if lang.is_french() => {
            format!("{day} à {} h {:02}", t.hour(), t.minute())
        }
        Some(t) => format!("{day}, {}", t.format("%H:%M")),
    }
}

/// Writes a day in words without the weekday, e.g. `2 décembre 2022`.
pub fn short_date(lang: &Lang, date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        labels(lang).months[date.month0() as usize],
        date.year()
    )
}

/// What a role is called on the page.
pub fn role_label(lang: &Lang, role: Role) -> &'static str {
    let roles = &labels(lang).roles;
    match role {
        Role::Speaker => roles.speaker,
        Role::Moderator => roles.moderator,
        Role::Host => roles.host,
        Role::Illustrator => roles.illustrator,
        Role::Rapporteur => roles.rapporteur,
        Role::Interpreter => roles.interpreter,
        Role::SoundEngineer => roles.sound_engineer,
        Role::AudioEditor => roles.audio_editor,
    }
}

/// What each [`Role`] is called on the page, in one language.
#[derive(Debug, PartialEq, Eq)]
pub struct RoleLabels {
    /// [`Role::Speaker`].
    pub speaker: &'static str,
    /// [`Role::Moderator`].
    pub moderator: &'static str,
    /// [`Role::Host`].
    pub host: &'static str,
    /// [`Role::Illustrator`].
    pub illustrator: &'static str,
    /// [`Role::Rapporteur`].
    pub rapporteur: &'static str,
    /// [`Role::Interpreter`].
    pub interpreter: &'static str,
    /// [`Role::SoundEngineer`].
    pub sound_engineer: &'static str,
    /// [`Role::AudioEditor`].
    pub audio_editor: &'static str,
}

/// Every label the page and the show notes need, in one language.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Labels {
    /// Names of the weekdays, Monday first.
    #[serde(skip)]
    pub weekdays: [&'static str; 7],
    /// Names of the months, January first.
    #[serde(skip)]
    pub months: [&'static str; 12],
    /// "Session" as in "Session #2".
    pub session: &'static str,
    /// Heading of the list of sessions.
    pub sessions: &'static str,
    /// Marks the bonus session.
    pub bonus: &'static str,
    /// Marks a session not held yet.
    pub upcoming: &'static str,
    /// Says a recording is not published yet.
    pub not_recorded: &'static str,
    /// Heading of the speakers list.
    pub speakers: &'static str,
    /// "Place".
    pub place: &'static str,
    /// Link to a map.
    pub map: &'static str,
    /// Heading of the partners list.
    pub partners: &'static str,
    /// "Organized by".
    pub organized_by: &'static str,
    /// Heading of the credits.
    pub credits: &'static str,
    /// Heading of the recording.
    pub listen: &'static str,
    /// Download link text.
    pub download: &'static str,
    /// "Duration".
    pub duration: &'static str,
    /// "Size".
    pub size: &'static str,
    /// "Format".
    pub format: &'static str,
    /// Heading of the radio rebroadcasts.
    pub radio: &'static str,
    /// "aired on".
    pub aired: &'static str,
    /// Listen to the radio version.
    pub radio_listen: &'static str,
    /// Heading of the reports.
    pub reports: &'static str,
    /// Opens a report.
    pub read_report: &'static str,
    /// Heading of the drawings.
    pub drawings: &'static str,
    /// "by" before a credit.
    pub by: &'static str,
    /// Heading of other links.
    pub links: &'static str,
    /// Heading of the subscribe section.
    pub subscribe: &'static str,
    /// Explains the feed address.
    pub subscribe_help: &'static str,
    /// Name of the feed link.
    pub feed: &'static str,
    /// Fallback text for browsers without audio.
    pub no_audio: &'static str,
    /// Skip link.
    pub skip_to_content: &'static str,
    /// Table of contents label.
    pub contents: &'static str,
    /// Generated-by line.
    pub generated_by: &'static str,
    /// Link from the show notes to the session on the page.
    pub session_page: &'static str,
    /// Download link of a radio edit.
    pub radio_download: &'static str,
    /// Heading of the chapters.
    pub chapters: &'static str,
    /// Heading of the transcript.
    pub transcript: &'static str,
    /// Link to the transcript as a subtitle file.
    pub transcript_download: &'static str,
    /// The language's own name, for the captions track.
    pub language_name: &'static str,
    /// What each role is called on the page.
    #[serde(skip)]
    pub roles: RoleLabels,
    /// Heading of the cycle's presentation.
    pub about: &'static str,
    /// Link from a session's page back to the cycle's page.
    pub all_sessions: &'static str,
    /// Link from the cycle's page to a session's page, followed by its number.
    pub session_page_link: &'static str,
    /// Label of the breadcrumb navigation.
    pub breadcrumb: &'static str,
    /// Label of the links to the previous and next sessions.
    pub other_sessions: &'static str,
    /// Link to the previous session.
    pub previous: &'static str,
    /// Link to the next session.
    pub next: &'static str,
    /// Label of the feed's address.
    pub feed_address: &'static str,
    /// The copy button.
    pub copy: &'static str,
    /// Said once the address is copied.
    pub copied: &'static str,
    /// Heading of the links that open the feed in an app.
    pub open_in_app: &'static str,
    /// Link for any other podcast app: the RSS feed itself.
    pub other_app: &'static str,
    /// Link to the calendar file.
    pub calendar: &'static str,
    /// The enclosure among the episode's files.
    pub standard_version: &'static str,
    /// The light rendition, for thin data plans.
    pub light_version: &'static str,
    /// Download link of the light rendition.
    pub light_download: &'static str,
    /// The broadcast MP3.
    pub broadcast_mp3: &'static str,
    /// Link to the radio partners' feed.
    pub radio_feed: &'static str,
    /// Heading of the radio partners' section.
    pub radio_partners: &'static str,
    /// Introduces the files for radio partners.
    pub radio_partners_help: &'static str,
    /// Said of a drawing's link, after its text alternative.
    pub full_size: &'static str,
    /// Heading of a session's presentation.
    pub presentation: &'static str,
    /// Opens the transcript.
    pub show_transcript: &'static str,
    /// Introduces the first cues of a transcript too long for the session's page.
    pub transcript_excerpt: &'static str,
    /// Link from the session's page to its transcript page.
    pub full_transcript: &'static str,
    /// Says above a transcript that it is an automatic draft nobody has reviewed.
    pub transcript_draft: &'static str,
    /// Says what the timestamps of the transcript page do.
    pub transcript_help: &'static str,
    /// Link from the session's page to its transcript page, when the page shows it whole.
    pub transcript_page: &'static str,
    /// Link from the transcript page back to the session's page.
    pub back_to_session: &'static str,
    /// A colon as the language writes it after a word (`\u{a0}:` in French).
    pub colon: &'static str,
    /// Link to the post where a session is discussed.
    pub discuss: &'static str,
    /// Link to follow a session live, before and during it.
    pub follow_live: &'static str,
    /// Link to a live session's audio stream.
    pub live_stream: &'static str,
    /// Badge of a session under way.
    pub live_now: &'static str,
    /// Alt text of the podcast's cover in a link preview, before the podcast's title.
    pub cover_alt: &'static str,
    /// Alt text of an episode's artwork in a link preview, before the session's title.
    pub episode_image_alt: &'static str,
    /// Opening quotation mark, with its space.
    pub open_quote: &'static str,
    /// Closing quotation mark, with its space.
    pub close_quote: &'static str,
}

/// French labels.
pub static FRENCH: Labels = Labels {
    weekdays: [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ],
    months: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    session: "Rencontre",
    sessions: "Les rencontres",
    bonus: "Bonus",
    upcoming: "À venir",
    not_recorded: "L'enregistrement n'est pas encore publié.",
    speakers: "Avec",
    place: "Lieu",
    map: "Voir sur la carte",
    partners: "Partenaires",
    organized_by: "Organisé par",
    credits: "Crédits",
    listen: "Écouter la rencontre",
    download: "Télécharger l'enregistrement",
    duration: "durée",
    size: "taille",
    format: "format",
    radio: "Version radiophonique",
    aired: "diffusée le",
    radio_listen: "Écouter l'émission",
    reports: "Comptes rendus",
    read_report: "Lire",
    drawings: "Version dessinée",
    by: "par",
    links: "Ressources",
    subscribe: "S'abonner au podcast",
    subscribe_help: "Copiez cette adresse dans votre application de podcasts :",
    feed: "Flux RSS du podcast",
    no_audio: "Votre navigateur ne lit pas l'audio : téléchargez le fichier.",
    skip_to_content: "Aller au contenu",
    contents: "Sommaire",
    generated_by: "Page générée par cyclecast",
    session_page: "La rencontre sur le site : comptes rendus et ressources",
    radio_download: "Télécharger la version radiophonique",
    chapters: "Chapitres",
    transcript: "Transcription",
    transcript_download: "Transcription en sous-titres (SRT)",
    language_name: "Français",
    roles: RoleLabels {
        speaker: "intervention",
        moderator: "modération",
        host: "animation",
        illustrator: "dessin",
        rapporteur: "compte-rendu",
        interpreter: "interprétation",
        sound_engineer: "prise de son",
        audio_editor: "montage",
    },
    about: "Le cycle",
    all_sessions: "Toutes les rencontres du cycle",
    session_page_link: "Tout sur la rencontre",
    breadcrumb: "Fil d'Ariane",
    other_sessions: "Rencontres précédente et suivante",
    previous: "Rencontre précédente",
    next: "Rencontre suivante",
    feed_address: "Adresse du flux",
    copy: "Copier l'adresse",
    copied: "Adresse copiée.",
    open_in_app: "Ouvrir dans une application",
    other_app: "Autre application (flux RSS)",
    calendar: "Ajouter les dates à votre agenda (iCalendar)",
    standard_version: "Version standard",
    light_version: "Version légère",
    light_download: "version légère",
    broadcast_mp3: "MP3 pour la diffusion",
    radio_feed: "Flux des fichiers de diffusion (RSS, pour LibreTime, Rivendell…)",
    radio_partners: "Pour les radios",
    radio_partners_help: "Les radios qui souhaitent rediffuser une rencontre peuvent télécharger les fichiers publiés :",
    full_size: "image en taille réelle",
    presentation: "Présentation",
    show_transcript: "Lire la transcription",
    transcript_excerpt: "Début de la transcription",
    full_transcript: "Lire la transcription complète",
    transcript_draft: "Transcription automatique, non relue",
    transcript_help: "Chaque horodatage ouvre le lecteur de la rencontre à ce moment de l'enregistrement.",
    back_to_session: "Retour à la rencontre",
    transcript_page: "La transcription sur sa propre page",
    discuss: "Commenter",
    follow_live: "Suivre en direct",
    live_stream: "Écouter le direct",
    live_now: "En direct",
    cover_alt: "Visuel du podcast",
    episode_image_alt: "Visuel de la rencontre",
    colon: "\u{a0}:",
    open_quote: "«\u{a0}",
    close_quote: "\u{a0}»",
};

/// English labels.
pub static ENGLISH: Labels = Labels {
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    session: "Session",
    sessions: "Sessions",
    bonus: "Bonus",
    upcoming: "Upcoming",
    not_recorded: "The recording is not published yet.",
    speakers: "With",
    place: "Place",
    map: "See on the map",
    partners: "Partners",
    organized_by: "Organized by",
    credits: "Credits",
    listen: "Listen to the session",
    download: "Download the recording",
    duration: "duration",
    size: "size",
    format: "format",
    radio: "Radio version",
    aired: "aired on",
    radio_listen: "Listen to the show",
    reports: "Reports",
    read_report: "Read",
    drawings: "Drawings",
    by: "by",
    links: "Resources",
    subscribe: "Subscribe to the podcast",
    subscribe_help: "Paste this address into your podcast app:",
    feed: "Podcast RSS feed",
    no_audio: "Your browser cannot play audio: download the file.",
    skip_to_content: "Skip to content",
    contents: "Contents",
    generated_by: "Page made by cyclecast",
    session_page: "The session on the web: reports and resources",
    radio_download: "Download the radio version",
    chapters: "Chapters",
    transcript: "Transcript",
    transcript_download: "Transcript as subtitles (SRT)",
    language_name: "English",
    roles: RoleLabels {
        speaker: "speaker",
        moderator: "moderator",
        host: "host",
        illustrator: "illustrator",
        rapporteur: "rapporteur",
        interpreter: "interpreter",
        sound_engineer: "sound",
        audio_editor: "editing",
    },
    about: "The cycle",
    all_sessions: "All the sessions of the cycle",
    session_page_link: "All about session",
    breadcrumb: "Breadcrumb",
    other_sessions: "Previous and next sessions",
    previous: "Previous session",
    next: "Next session",
    feed_address: "Feed address",
    copy: "Copy the address",
    copied: "Address copied.",
    open_in_app: "Open in an app",
    other_app: "Other app (RSS feed)",
    calendar: "Add the dates to your calendar (iCalendar)",
    standard_version: "Standard",
    light_version: "Light",
    light_download: "light version",
    broadcast_mp3: "MP3 for broadcast",
    radio_feed: "Feed of the broadcast files (RSS, for LibreTime, Rivendell…)",
    radio_partners: "For radio stations",
    radio_partners_help: "Stations that wish to rebroadcast a session can download the published files:",
    full_size: "full-size image",
    presentation: "Presentation",
    show_transcript: "Read the transcript",
    transcript_excerpt: "Beginning of the transcript",
    full_transcript: "Read the full transcript",
    transcript_draft: "Automatic transcript, not reviewed",
    transcript_help: "Each timestamp opens the session's player at that moment of the recording.",
    back_to_session: "Back to the session",
    transcript_page: "The transcript on a page of its own",
    discuss: "Comment",
    follow_live: "Follow live",
    live_stream: "Listen live",
    live_now: "Live now",
    cover_alt: "Artwork of the podcast",
    episode_image_alt: "Artwork of the session",
    colon: ":",
    open_quote: "“",
    close_quote: "”",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_french_dates_in_words() {
        let fr = Lang::from_tag("fr").unwrap();
        let date = NaiveDate::from_ymd_opt(2022, 10, 25).unwrap();
        let time = NaiveTime::from_hms_opt(19, 0, 0);
        assert_eq!(
            long_date(&fr, date, time),
            "mardi 25 octobre 2022 à 19 h 00"
        );
        assert_eq!(long_date(&fr, date, None), "mardi 25 octobre 2022");
        assert_eq!(short_date(&fr, date), "25 octobre 2022");
    }

    #[test]
    fn writes_english_dates_in_words() {
        let en = Lang::from_tag("en-GB").unwrap();
        let date = NaiveDate::from_ymd_opt(2023, 2, 2).unwrap();
        assert_eq!(
            long_date(&en, date, NaiveTime::from_hms_opt(19, 0, 0)),
            "Thursday 2 February 2023, 19:00"
        );
    }

    #[test]
    fn uses_the_base_languages_labels() {
        assert_eq!(labels(&Lang::from_tag("fr-FR").unwrap()), &FRENCH);
        assert_eq!(labels(&Lang::from_tag("en").unwrap()), &ENGLISH);
    }

    #[test]
    fn names_each_role_in_each_language() {
        let fr = Lang::from_tag("fr").unwrap();
        let en = Lang::from_tag("en").unwrap();
        assert_eq!(role_label(&fr, Role::Moderator), "modération");
        assert_eq!(role_label(&fr, Role::AudioEditor), "montage");
        assert_eq!(role_label(&en, Role::SoundEngineer), "sound");
        assert_eq!(role_label(&en, Role::Speaker), "speaker");
    }
}
