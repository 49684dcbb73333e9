//! `[page] theme = "FOLDER"`: the organizer's templates and stylesheet replace the built-in
//! ones; a wrong folder or a broken template is reported with its file and line.

use std::fs;
use std::time::Duration;

use crate::harness::{Project, position};

const THEME_TABLE: &str = "\n[page]\ntheme = \"theme\"\n";

#[test]
fn uses_the_themes_templates_and_stylesheet_and_keeps_the_rest_built_in() {
    let project = Project::copy();
    fs::create_dir(project.path("theme")).unwrap();
    fs::write(
        project.path("theme/index.html"),
        "<!DOCTYPE html>\n<html lang=\"{{ lang }}\"><title>{{ site.title }}</title>\n<style>{{ site.style }}</style>\n{% for s in sessions %}<a href=\"{{ s.href }}\">{{ s.title }}</a>{% endfor %}\n<p>{{ \"<b>\" }}</p></html>\n",
    )
    .unwrap();
    fs::write(
        project.path("theme/style.css"),
        "body { color: rebeccapurple; }\n",
    )
    .unwrap();
    let config = project.config();
    project.write_config(&format!("{config}{THEME_TABLE}"));
    project.run(&["check"]).success();
    project.publish();

    let index = project.feed_text("index.html");
    assert!(
        index.starts_with("<!DOCTYPE html>\n<html lang=\"fr\"><title>Dématérialiser"),
        "{index}"
    );
    assert!(
        index.contains("body { color: rebeccapurple; }"),
        "the theme's stylesheet"
    );
    assert!(index.contains("href=\"sessions/01-non-recours-aux-droits.html\""));
    assert!(
        index.contains("<p>&lt;b&gt;</p>"),
        "values are escaped in a theme: {index}"
    );
    // The theme has no session.html: the built-in one, with the theme's stylesheet.
    let session = project.feed_text("sessions/01-non-recours-aux-droits.html");
    assert!(
        session.contains("<audio controls preload=\"none\""),
        "{session}"
    );
    assert!(session.contains("body { color: rebeccapurple; }"));
    // Nor a transcript.html: the built-in transcript page, with the theme's stylesheet.
    let transcript = project.feed_text("sessions/01-non-recours-aux-droits-transcription.html");
    assert!(
        transcript.contains("<a href=\"01-non-recours-aux-droits.html#t=00:00\">0:00</a>"),
        "{transcript}"
    );
    assert!(transcript.contains("body { color: rebeccapurple; }"));

    // A theme's transcript.html replaces the built-in one.
    fs::write(
        project.path("theme/transcript.html"),
        "<!DOCTYPE html>\n<title>{{ session.title }}</title>\n{% for c in cues %}<p>{{ c.seek }} {{ c.text }}</p>{% endfor %}\n",
    )
    .unwrap();
    project.run(&["check"]).success();
    project.publish();
    let transcript = project.feed_text("sessions/01-non-recours-aux-droits-transcription.html");
    assert!(
        transcript.starts_with("<!DOCTYPE html>\n<title>Les conséquences"),
        "{transcript}"
    );
    assert!(
        transcript.contains("<p>00:00 Dématérialiser pour mieux régner.</p>"),
        "{transcript}"
    );
}

#[test]
fn reports_a_missing_theme_folder_with_its_line_in_the_config() {
    let project = Project::copy();
    let config = format!("{}{THEME_TABLE}", project.config());
    project.write_config(&config);
    let run = project.run(&["check"]).failure(1);
    let (line, col) = position(&config, "\"theme\"\n");
    assert_eq!(
        run.single_error(),
        format!("config.toml:{line}:{col}: error: folder `theme` does not exist")
    );
    project.run(&["publish"]).failure(2);
    assert!(!project.feed().exists(), "nothing is written");

    let config = format!(
        "{}\n[page]\ntheme = \"../elsewhere\"\n",
        project.config().replace(THEME_TABLE, "")
    );
    project.write_config(&config);
    let run = project.run(&["check"]).failure(1);
    assert!(
        run.single_error()
            .contains("path `../elsewhere` must stay inside the project folder"),
        "{run}"
    );
}

#[test]
fn reports_template_errors_naming_the_theme_file_and_line() {
    let project = Project::copy();
    fs::create_dir(project.path("theme")).unwrap();
    let config = project.config();
    project.write_config(&format!("{config}{THEME_TABLE}"));

    // A syntax error: found when the template is read.
    fs::write(project.path("theme/session.html"), "<p>\n<p>\n{% if %}\n").unwrap();
    let run = project.run(&["check"]).failure(1);
    let error = run.single_error();
    assert!(
        error.starts_with("theme/session.html:3:1: error: template error: syntax error"),
        "{run}"
    );
    project.run(&["publish"]).failure(2);
    assert!(!project.feed().exists(), "nothing is written");

    // A misspelt variable: found when check renders the pages once.
    fs::write(
        project.path("theme/session.html"),
        "<title>{{ session.title }}</title>\n{{ session.titel }}\n",
    )
    .unwrap();
    let run = project.run(&["check"]).failure(1);
    let error = run.single_error();
    assert!(
        error.starts_with("theme/session.html:2:1: error: template error: undefined value"),
        "{run}"
    );
    project.run(&["publish"]).failure(2);
    assert!(!project.feed().exists(), "nothing is written");

    // The transcript page's template is checked alike.
    fs::remove_file(project.path("theme/session.html")).unwrap();
    fs::write(
        project.path("theme/transcript.html"),
        "<p>\n{{ cues | lenght }}\n",
    )
    .unwrap();
    let run = project.run(&["check"]).failure(1);
    assert!(
        run.single_error()
            .starts_with("theme/transcript.html:2:1: error: template error"),
        "{run}"
    );
}

// Issue #11, item 9: "A theme template with nested loops renders without limit. Give template
// rendering a fuel or time bound, reported as an error naming the template." The class: a
// template that works without end, or writes without end.
#[test]
fn refuses_a_theme_template_that_renders_without_end() {
    let project = Project::copy();
    fs::create_dir(project.path("theme")).unwrap();
    let config = project.config();
    project.write_config(&format!("{config}{THEME_TABLE}"));
    let limit = Duration::from_secs(30);
    for (runaway, reason) in [
        (
            "<p>{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}</p>\n",
            "rendering the page takes more than",
        ),
        (
            "<p>{{ \"x\" * 100000 * 100000 }}</p>\n",
            "rendering the page takes more than",
        ),
        // Little work, but 40 MB of page.
        (
            "{% for a in range(40000) %}{{ \"x\" * 1000 }}{% endfor %}\n",
            "the page would be larger than 32 MB",
        ),
    ] {
        fs::write(project.path("theme/index.html"), runaway).unwrap();
        let run = project.run_bounded(&["check"], limit);
        let (code, stderr) = (run.code, run.stderr);
        assert_eq!(code, Some(1), "{runaway}\n{stderr}");
        let errors: Vec<&str> = stderr.lines().filter(|l| l.contains(": error: ")).collect();
        assert_eq!(errors.len(), 1, "{runaway}\n{stderr}");
        assert!(
            errors[0].starts_with("theme/index.html:")
                && errors[0].contains(": error: template error: ")
                && errors[0].contains(reason),
            "{runaway}\n{stderr}"
        );
        let run = project.run_bounded(&["publish"], limit);
        let (code, stderr) = (run.code, run.stderr);
        assert_eq!(code, Some(2), "{runaway}\n{stderr}");
        assert!(stderr.contains("theme/index.html"), "{stderr}");
        assert!(!project.feed().exists(), "nothing is written");
    }
}
