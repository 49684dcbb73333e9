//! The `[page]` theme folder as the project holds it: the templates and stylesheet that
//! replace the built-in ones, read by the load stage and parsed by `render`.

/// Names of the templates a theme may replace, and of its stylesheet.
pub const THEME_FILES: [&str; 4] = ["index.html", "session.html", "transcript.html", "style.css"];

/// Templates and stylesheet from the `[page]` theme folder; what it lacks stays built in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Theme {
    /// Replaces the cycle's page template.
    pub index: Option<ThemeFile>,
    /// Replaces the session page template.
    pub session: Option<ThemeFile>,
    /// Replaces the transcript page template.
    pub transcript: Option<ThemeFile>,
    /// Replaces the stylesheet.
    pub style: Option<String>,
}

/// A template read from the theme folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeFile {
    /// The file as the organizer names it, e.g. `theme/index.html`.
    pub shown: String,
    /// Its text.
    pub source: String,
}
