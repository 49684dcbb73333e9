//! What `config.toml` leaves out of a recorded session comes from its recording's tags.

use crate::harness::{
    Fill, Project, attribute, element_text, elements, items, jpeg, png, tagged_copy,
};

/// Appends a sixth session that names only its id, number, date and recording, and makes
/// that recording from the first one with the given ID3 tags.
fn project_with_tagged_session(tags: &[(&str, &str)]) -> Project {
    let project = Project::copy();
    let source = project.path(project.cycle().session(1).recording.as_deref().unwrap());
    let target = project.path("recordings/06-tagged.mp3");
    tagged_copy(&source, &target, tags);
    let mut config = project.config();
    config.push_str(
        "\n[[sessions]]\nid = \"tagged\"\nnumber = 6\ndate = \"2023-05-04\"\nrecording = \"recordings/06-tagged.mp3\"\n",
    );
    project.write_config(&config);
    project
}

#[test]
fn takes_title_description_and_speakers_from_the_recording_tags() {
    let project = project_with_tagged_session(&[
        ("title", "Titre <venu> de l'étiquette"),
        ("comment", "Résumé écrit dans le fichier."),
        ("artist", "Ada Lovelace, Grace Hopper & Alan Turing"),
    ]);
    project.publish();
    let xml = project.feed_text("feed.xml");
    let item = items(&xml)
        .into_iter()
        .find(|i| i.contains("06-tagged"))
        .expect("the tagged session is in the feed");
    assert_eq!(element_text(item, "title"), "Titre <venu> de l'étiquette");
    assert!(
        element_text(item, "description").contains("Résumé écrit dans le fichier."),
        "{item}"
    );
    let people: Vec<String> = elements(item, "podcast:person")
        .into_iter()
        .map(crate::harness::text_of)
        .collect();
    assert_eq!(people, ["Ada Lovelace", "Grace Hopper", "Alan Turing"]);
    let page = project.feed_text("sessions/06-tagged.html");
    assert!(
        page.contains("Titre &lt;venu&gt; de l"),
        "the title is escaped"
    );
    assert!(page.contains("Grace Hopper"));
}

#[test]
fn a_title_found_nowhere_is_an_error_at_the_session() {
    let project = project_with_tagged_session(&[("artist", "Ada Lovelace")]);
    let run = project.run(&["check"]).failure(1);
    let errors = run.error_lines();
    assert_eq!(errors.len(), 2, "title and description\n{run}");
    let line = project
        .config()
        .lines()
        .position(|l| l == "id = \"tagged\"")
        .unwrap()
        + 1;
    for (error, key, tag) in [
        (errors[0], "title", "title"),
        (errors[1], "description", "comment"),
    ] {
        assert!(
            error.starts_with(&format!("config.toml:{line}:")),
            "{error}"
        );
        assert!(
            error.contains(&format!(
                "session `tagged` has no `{key}`, and `recordings/06-tagged.mp3` has no {tag} tag"
            )),
            "{error}"
        );
    }
    project.run(&["publish"]).failure(2);
    assert!(!project.feed().exists(), "nothing was written");
}

#[test]
fn an_announced_session_needs_its_title_in_the_config() {
    let project = Project::copy();
    let mut config = project.config();
    config.push_str("\n[[sessions]]\nid = \"later\"\nnumber = 6\ndate = \"2023-05-04\"\n");
    project.write_config(&config);
    let run = project.run(&["check"]).failure(1);
    assert!(
        run.stderr
            .contains("session `later` has no `title`: without a recording to read it from"),
        "{run}"
    );
}

#[test]
fn takes_the_day_from_the_recording_date_tag() {
    let project = project_with_tagged_session(&[
        ("title", "Une rencontre datée par son fichier"),
        ("comment", "Résumé."),
        ("date", "2023-05-11"),
    ]);
    project.replace_in_config("date = \"2023-05-04\"\nrecording", "recording");
    project.publish();
    let xml = project.feed_text("feed.xml");
    let item = items(&xml)
        .into_iter()
        .find(|i| i.contains("06-tagged"))
        .expect("the tagged session is in the feed");
    let published = element_text(item, "pubDate");
    assert!(published.starts_with("Thu, 11 May 2023"), "{published}");

    // A year alone is no day.
    let project =
        project_with_tagged_session(&[("title", "x"), ("comment", "y"), ("date", "2023")]);
    project.replace_in_config("date = \"2023-05-04\"\nrecording", "recording");
    let run = project.run(&["check"]).failure(1);
    assert!(
        run.single_error().contains(
            "session `tagged` has no `date`, and `recordings/06-tagged.mp3` has no full date (YYYY-MM-DD) tag"
        ),
        "{run}"
    );
}

/// Makes a `size`×`size` RGB JPEG of one colour, embeds it as the cover of the sixth session's
/// recording (an `APIC` frame of type "other" in an ID3v2.3 tag, as `ffmpeg -disposition:v
/// attached_pic -id3v2_version 3` attaches it; written with the id3 crate), and returns its bytes.
fn embed_cover(project: &Project, size: u16, colour: [u8; 3]) -> Vec<u8> {
    use id3::TagLike;
    let bytes = jpeg(size, size, Fill::Rgb(colour));
    let recording = project.path("recordings/06-tagged.mp3");
    let mut tag = id3::Tag::read_from_path(&recording).expect("read the recording's tag");
    tag.add_frame(id3::frame::Picture {
        mime_type: "image/jpeg".to_string(),
        picture_type: id3::frame::PictureType::Other,
        description: String::new(),
        data: bytes.clone(),
    });
    tag.write_to_path(&recording, id3::Version::Id3v23)
        .expect("write the recording's tag");
    bytes
}

/// The `itunes:image` of the sixth session's item, relative to the base URL, if it has one.
fn tagged_item_image(project: &Project) -> Option<String> {
    let xml = project.feed_text("feed.xml");
    let item = items(&xml)
        .into_iter()
        .find(|i| i.contains("06-tagged"))
        .expect("the tagged session is in the feed");
    let image = elements(item, "itunes:image");
    let href = attribute(image.first()?, "href").expect("an href");
    // Read from the TOML: the harness's `cycle()` wants every session to name its title.
    let config: toml::Table = project.config().parse().expect("config.toml is valid TOML");
    let base_url = config["podcast"]["base_url"].as_str().expect("a base_url");
    Some(
        href.strip_prefix(base_url)
            .unwrap_or_else(|| panic!("`{href}` is not under `{base_url}`"))
            .to_string(),
    )
}

const TITLE_AND_COMMENT: &[(&str, &str)] = &[("title", "Avec pochette"), ("comment", "Résumé.")];

#[test]
fn the_recording_embedded_cover_becomes_the_episode_image() {
    let project = project_with_tagged_session(TITLE_AND_COMMENT);
    let picture = embed_cover(&project, 1400, [0x3a, 0x6e, 0xa5]);
    let run = project.publish();
    assert!(!run.stderr.contains("embedded cover"), "{run}");
    let image = tagged_item_image(&project).expect("the item has its own itunes:image");
    assert_eq!(image, "images/06-tagged.jpg");
    assert!(
        std::fs::read(project.feed().join(&image)).unwrap() == picture,
        "the published image is the embedded picture, byte for byte"
    );
    // A new recording with another cover publishes the new picture.
    let picture = embed_cover(&project, 1500, [0xa5, 0x3a, 0x6e]);
    project.publish();
    assert!(std::fs::read(project.feed().join(&image)).unwrap() == picture);
}

#[test]
fn an_embedded_cover_that_breaks_the_rules_is_left_out_with_a_warning() {
    let project = project_with_tagged_session(TITLE_AND_COMMENT);
    embed_cover(&project, 600, [0x3a, 0x6e, 0xa5]);
    let run = project.publish();
    let warning = run
        .stderr
        .lines()
        .find(|l| l.contains("embedded cover"))
        .unwrap_or_else(|| panic!("a warning about the embedded cover\n{run}"));
    assert!(
        warning.starts_with("recordings/06-tagged.mp3: warning: ")
            && warning.contains("600×600 pixels")
            && warning.ends_with("the episode uses the podcast's cover"),
        "{warning}"
    );
    assert_eq!(
        tagged_item_image(&project),
        None,
        "the item uses the podcast's cover"
    );
    assert!(!project.feed().join("images/06-tagged.jpg").exists());
}

#[test]
fn an_image_named_in_the_config_wins_over_the_embedded_cover() {
    let project = project_with_tagged_session(TITLE_AND_COMMENT);
    let embedded = embed_cover(&project, 1400, [0x3a, 0x6e, 0xa5]);
    std::fs::create_dir_all(project.path("images")).unwrap();
    let own = project.path("images/own.png");
    std::fs::write(&own, png(1400, 1400, Fill::Rgb([0x6e, 0xa5, 0x3a]))).unwrap();
    let mut config = project.config();
    config.push_str("image = \"images/own.png\"\n");
    project.write_config(&config);
    project.publish();
    let image = tagged_item_image(&project).expect("the item has its own itunes:image");
    assert_eq!(image, "images/06-tagged.png");
    let published = std::fs::read(project.feed().join(&image)).unwrap();
    assert!(published == std::fs::read(&own).unwrap() && published != embedded);
}

// Issue 11: control characters in a recording's tags reached feed.xml, which no client could
// parse then, and `probe` printed them raw, so a tag could clear or retitle the terminal.
#[test]
fn leaves_out_of_the_feed_what_it_cannot_carry_from_the_tags_with_a_warning() {
    if !crate::oracle::require(&[crate::oracle::PYTHON]) {
        return;
    }
    let project = project_with_tagged_session(&[
        ("title", "Titre\u{b}venu\u{1b}[2J de l'étiquette\u{7}"),
        (
            "comment",
            "Résumé\u{7f} écrit\u{85}dans le fichier\u{ffff}.",
        ),
        ("artist", "Ada\u{9b} Lovelace, Grace Hopper"),
    ]);
    let run = project.publish();
    for (tag, named) in [
        (
            "title",
            "U+000B (vertical tab), U+001B (escape), U+0007 (bell)",
        ),
        (
            "comment",
            "U+007F (delete), U+0085 (next line), U+FFFF (noncharacter)",
        ),
        ("artist", "U+009B (C1 control character)"),
    ] {
        let warning = format!(
            "recordings/06-tagged.mp3: warning: its {tag} tag holds {named}, which a feed cannot carry: left out"
        );
        assert!(run.stderr.contains(&warning), "{warning}\n{run}");
    }
    let xml = project.feed_text("feed.xml");
    let parsed = feed_rs::parser::parse(xml.as_bytes()).expect("feed-rs parses feed.xml");
    let titles: Vec<String> = parsed
        .entries
        .iter()
        .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
        .collect();
    assert!(
        titles.iter().any(|t| t == "Titre venu[2J de l'étiquette"),
        "{titles:?}"
    );
    let feed = project.feed().join("feed.xml");
    let python = crate::directories::python();
    let output = std::process::Command::new(python)
        .arg(crate::harness::source_root().join("tests/python/inspect_feed.py"))
        .arg(&feed)
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        seen["feedparser"]["bozo"], false,
        "feedparser flagged the feed: {}",
        seen["feedparser"]["bozo_exception"]
    );
    let entries = seen["feedparser"]["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["title"] == "Titre venu[2J de l'étiquette"),
        "{entries:?}"
    );
    let people: Vec<String> = elements(
        items(&xml)
            .into_iter()
            .find(|i| i.contains("06-tagged"))
            .unwrap(),
        "podcast:person",
    )
    .into_iter()
    .map(crate::harness::text_of)
    .collect();
    assert_eq!(people, ["Ada Lovelace", "Grace Hopper"]);

    let probe = project
        .run(&["probe", "recordings/06-tagged.mp3"])
        .success();
    assert!(
        !probe.stdout.contains('\u{1b}') && !probe.stdout.contains('\u{7}'),
        "probe printed the tags raw"
    );
    assert!(
        probe.stdout.contains("Titre\\u{b}venu\\u{1b}[2J"),
        "{probe}"
    );
}

// Issue 11: a title or a comment from the tags had no length limit.
#[test]
fn holds_text_from_the_tags_to_the_directories_length_limits() {
    let title = "T".repeat(300);
    let comment = "é".repeat(2001);
    let project = project_with_tagged_session(&[("title", &title), ("comment", &comment)]);
    let run = project.run(&["check"]).failure(1);
    for expected in [
        "recordings/06-tagged.mp3: error: its title tag: this text is 300 characters long: podcast directories accept at most 255",
        "recordings/06-tagged.mp3: error: its comment tag: this text is 4,002 bytes long: podcast directories accept at most 4,000",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{run}");
    }
}
