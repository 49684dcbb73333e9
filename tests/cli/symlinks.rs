//! A symbolic link committed in a checkout never redirects a write (issue #11, item 2): each
//! place cyclecast writes, with a link planted there, gives an error naming the link, and
//! what the link leads to is untouched.

use std::fs;
use std::os::unix::fs::symlink;

use crate::harness::Project;

/// A file outside the project, which no publish may touch.
fn victim() -> (tempfile::TempDir, std::path::PathBuf) {
    let elsewhere = tempfile::tempdir().unwrap();
    let path = elsewhere.path().join("victim.txt");
    fs::write(&path, "precious").unwrap();
    (elsewhere, path)
}

#[test]
fn a_link_where_cyclecast_writes_is_refused_and_never_followed() {
    type Plant = fn(&Project, &std::path::Path);
    let cases: [(&str, Plant); 4] = [
        ("the publish lock", |p, v| {
            symlink(v, p.path(".feed.publish-lock")).unwrap();
        }),
        ("an output folder inside feed/", |p, v| {
            fs::remove_dir_all(p.feed().join("episodes")).unwrap();
            symlink(v.parent().unwrap(), p.feed().join("episodes")).unwrap();
        }),
        ("a page", |p, v| {
            fs::remove_file(p.feed().join("index.html")).unwrap();
            symlink(v, p.feed().join("index.html")).unwrap();
        }),
        ("a leftover temporary file", |p, v| {
            symlink(v, p.feed().join(".index.html.cyclecast-tmp")).unwrap();
        }),
    ];
    for (what, plant) in cases {
        let project = Project::copy();
        project.publish();
        let (_elsewhere, victim) = victim();
        plant(&project, &victim);
        // A change, so that the publish has something to write.
        project.replace_in_config(
            "title = \"Dématérialiser",
            "title = \"Encore : Dématérialiser",
        );
        let run = project.run(&["publish"]);
        assert_eq!(
            fs::read_to_string(&victim).unwrap(),
            "precious",
            "{what}: written through\n{run}"
        );
        let siblings = fs::read_dir(victim.parent().unwrap()).unwrap().count();
        assert_eq!(
            siblings, 1,
            "{what}: a file was written beside the victim\n{run}"
        );
        assert_eq!(run.code, Some(2), "{what}\n{run}");
        assert!(
            run.stderr.contains("symbolic link")
                || run.stderr.contains("which cyclecast did not write"),
            "{what}\n{run}"
        );
        // The feed served is still the last one, whole.
        assert!(!project.feed_text("feed.xml").contains("Encore"), "{what}");
    }
}

#[test]
fn a_link_in_place_of_the_renditions_cache_is_refused_even_when_it_holds_every_file() {
    let project = Project::copy();
    project.publish();
    // The cache, moved out of the project whole, and a link left in its place: nothing is
    // missing from it, but a changed title has the publish write tagged files there.
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = elsewhere.path().join("renditions");
    let cache = project.path(".cyclecast/renditions");
    fs::rename(&cache, &outside).unwrap();
    symlink(&outside, &cache).unwrap();
    let before = crate::harness::snapshot(&outside);
    project.replace_in_config(
        "title = \"Dématérialiser",
        "title = \"Encore : Dématérialiser",
    );
    let run = project.run(&["publish"]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains(".cyclecast/renditions") && run.stderr.contains("symbolic link"),
        "{run}"
    );
    assert_eq!(
        crate::harness::snapshot(&outside),
        before,
        "written through the link"
    );
    assert!(!project.feed_text("feed.xml").contains("Encore"));
}
