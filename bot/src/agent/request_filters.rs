//! The rows a request leaves out: "without contractors", "excluding bench-test
//! devices", "no cancelled orders". A phrase after such a word excludes the rows whose
//! label column holds a value the phrase names (matched without case, `_`, `-` or a
//! plural `s`); a phrase that names no value excludes nothing, so "no duplicates" or
//! "without delay" never drops a row. The request is untrusted text: it only ever
//! selects among values the data already has.

/// Words after which a request names what it does not want.
const TRIGGERS: &[&str] = &[
    "without",
    "excluding",
    "exclude",
    "except",
    "no",
    "minus",
    "ignoring",
    "ignore",
    "omitting",
    "omit",
    "drop",
];

/// Words that end a phrase.
const STOPS: &[&str] = &[
    "and", "or", "but", "with", "for", "in", "from", "by", "per", "please", "so", "to", "on", "at", "of",
];

/// Words skipped at a phrase's start.
const ARTICLES: &[&str] = &["the", "any", "all", "a", "an"];

/// The phrases `text` excludes, each as lower-case words, at most four words long.
pub fn excluded_phrases(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for clause in text
        .to_lowercase()
        .split(['.', ',', ';', ':', '!', '?', '(', ')', '\n'])
    {
        let words: Vec<&str> = clause
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        for (i, w) in words.iter().enumerate() {
            if !TRIGGERS.contains(w) {
                continue;
            }
            let phrase: Vec<String> = words[i + 1..]
                .iter()
                .skip_while(|w| ARTICLES.contains(w))
                .take_while(|w| !STOPS.contains(w) && !TRIGGERS.contains(w))
                .take(4)
                .flat_map(|w| w.split(['-', '_']))
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            if !phrase.is_empty() {
                out.push(phrase);
            }
        }
    }
    out
}

/// A word without its plural ending: `contractors` → `contractor`, `boxes` → `box`.
fn singular(word: &str) -> &str {
    if ["ses", "xes", "ches", "shes", "zes"].iter().any(|e| word.ends_with(e)) {
        &word[..word.len() - 2]
    } else if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
        &word[..word.len() - 1]
    } else {
        word
    }
}

/// Whether `phrase` names `value`: the phrase, or the phrase without its last word
/// (the entity it qualifies: "bench-test *devices*"), is the value, word by word and
/// with plurals made singular.
pub fn names_value(phrase: &[String], value: &str) -> bool {
    let value_words: Vec<String> = value
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| singular(w).to_string())
        .collect();
    if value_words.is_empty() {
        return false;
    }
    let same = |words: &[String]| {
        words.len() == value_words.len() && words.iter().zip(&value_words).all(|(a, b)| singular(a) == b)
    };
    same(phrase) || (phrase.len() > 1 && same(&phrase[..phrase.len() - 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(v: &[&str]) -> Vec<String> {
        v.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn phrases_follow_the_words_that_exclude() {
        assert_eq!(
            excluded_phrases("Monthly payroll without contractors, please."),
            [words(&["contractors"])]
        );
        assert_eq!(
            excluded_phrases("Readings for ops; no bench-test devices and no lab rigs"),
            [words(&["bench", "test", "devices"]), words(&["lab", "rigs"])]
        );
        assert_eq!(
            excluded_phrases("excluding the cancelled orders"),
            [words(&["cancelled", "orders"])]
        );
        assert!(excluded_phrases("Daily revenue by country").is_empty());
    }

    #[test]
    fn a_phrase_names_a_value_without_case_separators_or_plurals() {
        assert!(names_value(&words(&["contractors"]), "Contractor"));
        assert!(names_value(&words(&["bench", "test", "devices"]), "bench_test"));
        assert!(names_value(&words(&["bench", "test", "devices"]), "Bench-Test"));
        assert!(names_value(&words(&["cancelled", "orders"]), "CANCELLED"));
        assert!(!names_value(&words(&["duplicates"]), "duplicate key"));
        assert!(!names_value(&words(&["delay"]), "delayed"));
        assert!(!names_value(&words(&["contractors"]), ""));
    }
}
