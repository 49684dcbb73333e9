//! What podcast directories accept: Apple's category list and the length of texts. Pure data
//! and look-ups.

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

/// A length limit podcast directories put on a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// At most this many characters.
    Chars(usize),
    /// At most this many bytes of UTF-8.
    Bytes(usize),
}

/// A podcast's or an episode's title, subtitle, a chapter's, a link's or a report's title:
/// Apple Podcasts' guideline.
pub const TITLE: Limit = Limit::Chars(255);

/// A person's name (`podcast:person`), a place's, a season's: the Podcasting 2.0 limit.
pub const NAME: Limit = Limit::Chars(128);

/// A podcast's or an episode's description: Apple Podcasts' and Spotify's limit.
pub const DESCRIPTION: Limit = Limit::Bytes(4000);

/// A `podcast:txt` text: the Podcasting 2.0 limit.
pub const TXT: Limit = Limit::Chars(4000);

impl Limit {
    /// Why `text` is too long for this limit, if it is.
    pub fn excess(self, text: &str) -> Option<String> {
        let (length, max, unit) = match self {
            Limit::Chars(max) => (text.chars().count(), max, "characters"),
            Limit::Bytes(max) => (text.len(), max, "bytes"),
        };
        (length > max).then(|| {
            format!(
                "this text is {} {unit} long: podcast directories accept at most {}",
                thousands(length),
                thousands(max)
            )
        })
    }
}

/// `4000` as `4,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Episodes on the feed's first page by default: a feed of 300 episodes stays under about
/// 1 MB, which every app reads; apps that follow RFC 5005's `next` link (AntennaPod) read the
/// older ones from the archive pages.
pub const FEED_PAGE_SIZE: usize = 300;

/// The page sizes `feed_page_size` may take.
pub const FEED_PAGE_SIZES: std::ops::RangeInclusive<usize> = 1..=10_000;

/// The most chapters a session has: ID3's `CTOC` and Nero's `chpl` count them in one byte.
pub const MAX_CHAPTERS: usize = 255;

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
