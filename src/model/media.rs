//! The one table of MIME types: what each file cyclecast publishes is served and announced as.
//!
//! `episode` gives an enclosure its type from it, `app::serve` each response's
//! `Content-Type`, and the feed the types of the chapters and transcripts it links to.

/// The type of a Podcasting 2.0 JSON chapters file (`chapters/NN-id.json`).
pub const CHAPTERS: &str = "application/json+chapters";

/// The type of a Podcast Index JSON transcript (`transcripts/NN-id.json`).
pub const TRANSCRIPT_JSON: &str = "application/json";

/// The type of a WebVTT transcript.
pub const WEBVTT: &str = "text/vtt";

/// The type of a SubRip transcript.
pub const SUBRIP: &str = "application/x-subrip";

/// The MIME type of a file by its extension (compared without case); `None` for an extension
/// cyclecast never publishes. Text types name their charset, as a server should send them.
pub fn by_extension(extension: &str) -> Option<&'static str> {
    Some(match extension.to_ascii_lowercase().as_str() {
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "ogg" | "opus" => "audio/ogg",
        "flac" => "audio/flac",
        "wav" => "audio/wav",
        "aiff" => "audio/aiff",
        "xml" => "application/rss+xml; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "css" => "text/css",
        "json" => TRANSCRIPT_JSON,
        "vtt" => WEBVTT,
        "srt" => SUBRIP,
        "ics" => "text/calendar; charset=utf-8",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_each_published_audio_format() {
        assert_eq!(by_extension("mp3"), Some("audio/mpeg"));
        assert_eq!(by_extension("M4A"), Some("audio/mp4"));
        assert_eq!(by_extension("opus"), Some("audio/ogg"));
        assert_eq!(by_extension("aiff"), Some("audio/aiff"));
        assert_eq!(by_extension("gz"), None);
    }
}
