//! What podcast directories accept: Apple's category list. Pure data and look-ups.

/// Apple Podcasts categories and their subcategories, spelled as Apple spells them.
pub const APPLE_CATEGORIES: &[(&str, &[&str])] = &[
    (
        "Arts",
        &[
            "Books",
            "Design",
            "Fashion & Beauty",
            "Food",
            "Performing Arts",
            "Visual Arts",
        ],
    ),
    (
        "Business",
        &[
            "Careers",
            "Entrepreneurship",
            "Investing",
            "Management",
            "Marketing",
            "Non-Profit",
        ],
    ),
    ("Comedy", &["Comedy Interviews", "Improv", "Stand-Up"]),
    (
        "Education",
        &["Courses", "How To", "Language Learning", "Self-Improvement"],
    ),
    ("Fiction", &["Comedy Fiction", "Drama", "Science Fiction"]),
    ("Government", &[]),
    ("History", &[]),
    (
        "Health & Fitness",
        &[
            "Alternative Health",
            "Fitness",
            "Medicine",
            "Mental Health",
            "Nutrition",
            "Sexuality",
        ],
    ),
    (
        "Kids & Family",
        &[
            "Education for Kids",
            "Parenting",
            "Pets & Animals",
            "Stories for Kids",
        ],
    ),
    (
        "Leisure",
        &[
            "Animation & Manga",
            "Automotive",
            "Aviation",
            "Crafts",
            "Games",
            "Hobbies",
            "Home & Garden",
            "Video Games",
        ],
    ),
    (
        "Music",
        &["Music Commentary", "Music History", "Music Interviews"],
    ),
    (
        "News",
        &[
            "Business News",
            "Daily News",
            "Entertainment News",
            "News Commentary",
            "Politics",
            "Sports News",
            "Tech News",
        ],
    ),
    (
        "Religion & Spirituality",
        &[
            "Buddhism",
            "Christianity",
            "Hinduism",
            "Islam",
            "Judaism",
            "Religion",
            "Spirituality",
        ],
    ),
    (
        "Science",
        &[
            "Astronomy",
            "Chemistry",
            "Earth Sciences",
            "Life Sciences",
            "Mathematics",
            "Natural Sciences",
            "Nature",
            "Physics",
            "Social Sciences",
        ],
    ),
    (
        "Society & Culture",
        &[
            "Documentary",
            "Personal Journals",
            "Philosophy",
            "Places & Travel",
            "Relationships",
        ],
    ),
    (
        "Sports",
        &[
            "Baseball",
            "Basketball",
            "Cricket",
            "Fantasy Sports",
            "Football",
            "Golf",
            "Hockey",
            "Rugby",
            "Running",
            "Soccer",
            "Swimming",
            "Tennis",
            "Volleyball",
            "Wilderness",
            "Wrestling",
        ],
    ),
    ("Technology", &[]),
    ("True Crime", &[]),
    (
        "TV & Film",
        &[
            "After Shows",
            "Film History",
            "Film Interviews",
            "Film Reviews",
            "TV Reviews",
        ],
    ),
];

/// Whether `name` (with `sub`, when given) is in Apple's list, spelled exactly.
pub fn is_apple_category(name: &str, sub: Option<&str>) -> bool {
    APPLE_CATEGORIES
        .iter()
        .find(|(n, _)| *n == name)
        .is_some_and(|(_, subs)| sub.is_none_or(|s| subs.contains(&s)))
}

/// A hint for a misspelled category: `: did you mean `X`?`, or the empty string.
pub fn apple_category_hint(name: &str) -> String {
    let lower = name.to_lowercase();
    let close = APPLE_CATEGORIES.iter().map(|(n, _)| *n).find(|n| {
        let candidate = n.to_lowercase();
        candidate == lower || candidate.replace('&', "and") == lower.replace('&', "and")
    });
    match close {
        Some(n) if n != name => format!(": did you mean `{n}`?"),
        _ if APPLE_CATEGORIES.iter().any(|(n, _)| *n == name) => {
            ": that subcategory is not listed under it".to_string()
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_apple_categories_and_their_subcategories() {
        assert!(is_apple_category("Society & Culture", None));
        assert!(is_apple_category("News", Some("Politics")));
        assert!(!is_apple_category("News", Some("Weather")));
        assert!(!is_apple_category("Society and Culture", None));
        assert_eq!(
            apple_category_hint("society and culture"),
            ": did you mean `Society & Culture`?"
        );
        assert_eq!(
            apple_category_hint("News"),
            ": that subcategory is not listed under it"
        );
    }
}
