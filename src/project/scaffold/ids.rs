//! A new session's number and id, guessed: the number after the highest one, an id folded
//! from the title (accents, punctuation, French elisions and function words left out).

use crate::model::layout::slug_words;

/// The longest id [`session_id_from_title`] makes, before a `-2` suffix: ids name files and
/// URLs, which stay readable when short.
pub(super) const MAX_ID_LEN: usize = 40;

/// The number after the highest one used: 1 for a cycle without sessions.
pub fn next_number(numbers: impl IntoIterator<Item = i64>) -> u32 {
    let highest = numbers.into_iter().max().unwrap_or(0);
    u32::try_from(highest.clamp(0, i64::from(u32::MAX) - 1)).expect("clamped to u32") + 1
}

/// An id for a session from its title: lowercase ASCII (accents folded, `œ` → `oe`), each run
/// of other characters a single dash. Elided words (`l'`, `d'`, `qu'`, `n'`… with `'` or
/// `’`) are left out. A title of more than 40 characters loses its function words first
/// (`le`, `des`, `dans`, `the`, `of`…), then is cut after the last whole
/// word that fits, so the id keeps the words that say what the session is about; function
/// words stay when they are all there is. Empty when the title has no letter or digit.
///
/// ```
/// use cyclecast::project::scaffold::session_id_from_title;
/// assert_eq!(session_id_from_title("L'algorithmisation du contrôle CAF"), "algorithmisation-du-controle-caf");
/// assert_eq!(
///     session_id_from_title("L'intelligence artificielle dans les services publics"),
///     "intelligence-artificielle-services"
/// );
/// ```
pub fn session_id_from_title(title: &str) -> String {
    // The words are the layout's slug words, without the elided ones: a word is elided when
    // an apostrophe follows it at once. `’` folds to `'` too; no other character marks an
    // elision.
    let folded = deunicode::deunicode(title);
    let mut words: Vec<String> = Vec::new();
    let mut pieces = folded.split('\'').peekable();
    while let Some(piece) = pieces.next() {
        let mut piece_words = slug_words(piece);
        let before_apostrophe =
            pieces.peek().is_some() && piece.ends_with(|c: char| c.is_ascii_alphanumeric());
        if before_apostrophe
            && piece_words
                .last()
                .is_some_and(|w| ELISIONS.contains(&w.as_str()))
        {
            piece_words.pop();
        }
        words.extend(piece_words);
    }
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let full = words.join("-");
    if full.len() <= MAX_ID_LEN {
        return full;
    }
    let meaningful: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !FRENCH_STOP_WORDS.contains(w) && !ENGLISH_STOP_WORDS.contains(w))
        .collect();
    let kept = if meaningful.is_empty() {
        words
    } else {
        meaningful
    };
    let mut id = String::new();
    for word in kept {
        let needed = if id.is_empty() {
            word.len()
        } else {
            word.len() + 1
        };
        if id.len() + needed > MAX_ID_LEN {
            if id.is_empty() {
                id.push_str(&word[..MAX_ID_LEN]);
            }
            break;
        }
        if !id.is_empty() {
            id.push('-');
        }
        id.push_str(word);
    }
    id
}

/// French words that lose their vowel before another word (`l'école`, `qu'on`), as they are
/// once folded: the id leaves them out.
const ELISIONS: &[&str] = &["l", "d", "qu", "j", "n", "s", "c", "m", "t"];

/// French function words, folded: left out of an id that would be longer than 40 characters
/// with them, so that the words that fit are the ones that carry meaning.
const FRENCH_STOP_WORDS: &[&str] = &[
    "le", "la", "les", "l", "de", "des", "du", "d", "un", "une", "et", "ou", "a", "au", "aux",
    "en", "dans", "sur", "sous", "pour", "par", "avec", "sans", "chez", "entre", "vers", "ce",
    "ces", "cet", "cette", "son", "sa", "ses", "leur", "leurs", "qui", "que", "qu", "dont", "ne",
    "pas", "se", "y", "est", "sont", "mais", "donc", "ni", "car",
];

/// English function words, as [`FRENCH_STOP_WORDS`].
const ENGLISH_STOP_WORDS: &[&str] = &[
    "the", "an", "of", "and", "or", "in", "on", "at", "for", "to", "with", "without", "from", "by",
    "as", "is", "are", "its", "into", "about", "but",
];

/// `base`, or `base-2`, `base-3`… : the first that no session uses.
pub(super) fn unique_id(base: &str, taken: &[&str]) -> String {
    (1..)
        .map(|n| {
            if n == 1 {
                base.to_string()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|id| !taken.contains(&id.as_str()))
        .expect("an unused id exists")
}
