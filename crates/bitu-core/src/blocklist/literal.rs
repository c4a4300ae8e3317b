//! The commonest block list entry, `.*word.*` without `<casesensitive>`, needs no regex: under
//! MediaWiki's `/^(?:.*word.*)$/usi` it matches exactly the titles that contain `word` in any
//! case. Such entries with an ASCII `word` go into one Aho-Corasick automaton instead of the
//! regex prefilter, which saves most of the block list's memory (no per-pattern model, atoms
//! or compiled regex) and every first-use compile.

use aho_corasick::{AhoCorasick, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// The `word` of an entry whose anchored source is `^(?:.*word.*)$` with `word` ASCII, read
/// case-sensitively (the caller only asks for case-insensitive entries).
pub fn contained_literal(anchored_source: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new()
        .dot_matches_new_line(true)
        .build()
        .parse(anchored_source)
        .ok()?;
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let [start, any_before, literal, any_after, end] = parts.as_slice() else {
        return None;
    };
    let is_look = |hir: &Hir, look: Look| matches!(hir.kind(), HirKind::Look(l) if *l == look);
    if !is_look(start, Look::Start) || !is_look(end, Look::End) {
        return None;
    }
    if !is_any_string(any_before) || !is_any_string(any_after) {
        return None;
    }
    let HirKind::Literal(literal) = literal.kind() else {
        return None;
    };
    let text = std::str::from_utf8(&literal.0).ok()?;
    (text.is_ascii() && !text.is_empty()).then(|| text.to_string())
}

/// `.*` with `.` matching every character (the `s` flag).
fn is_any_string(hir: &Hir) -> bool {
    let HirKind::Repetition(rep) = hir.kind() else {
        return false;
    };
    if rep.min != 0 || rep.max.is_some() {
        return false;
    }
    match rep.sub.kind() {
        HirKind::Class(Class::Unicode(class)) => {
            let ranges = class.ranges();
            ranges.len() == 1 && ranges[0].start() == '\0' && ranges[0].end() == char::MAX
        }
        _ => false,
    }
}

/// Case-insensitive containment of many ASCII words, each word standing for its entries.
pub struct LiteralSet {
    automaton: AhoCorasick,
    /// For each distinct word (its automaton pattern id), its entries in list order.
    entries: Vec<Vec<u32>>,
}

impl LiteralSet {
    /// Builds the set from `(word, entry index)` pairs; `None` when there are none or the
    /// automaton cannot be built (the caller then matches those entries as regexes).
    pub fn build(words: &[(String, u32)]) -> Option<LiteralSet> {
        if words.is_empty() {
            return None;
        }
        let mut distinct: Vec<(String, Vec<u32>)> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        for (word, entry) in words {
            let key = word.to_ascii_lowercase();
            let at = *index.entry(key.clone()).or_insert_with(|| {
                distinct.push((key, Vec::new()));
                distinct.len() - 1
            });
            distinct[at].1.push(*entry);
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(distinct.iter().map(|(word, _)| word.as_bytes()))
            .ok()?;
        Some(LiteralSet {
            automaton,
            entries: distinct.into_iter().map(|(_, entries)| entries).collect(),
        })
    }

    /// How many distinct words.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Every entry whose word `title` contains, case-insensitively as PCRE's `/ui` reads it.
    pub fn matching_entries(&self, title: &str) -> impl Iterator<Item = usize> + '_ {
        // Two non-ASCII letters fold to ASCII ones under Unicode case-insensitivity: the
        // Kelvin sign (k) and the long s (s); everything else non-ASCII never equals ASCII.
        let folded: std::borrow::Cow<'_, str> = if title.contains(['\u{212A}', '\u{17F}']) {
            title
                .replace('\u{212A}', "k")
                .replace('\u{17F}', "s")
                .into()
        } else {
            title.into()
        };
        let ids: Vec<usize> = self
            .automaton
            .find_overlapping_iter(folded.as_bytes())
            .map(|m| m.pattern().as_usize())
            .collect();
        ids.into_iter()
            .flat_map(|id| self.entries.get(id).into_iter().flatten())
            .map(|&entry| entry as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dot_star_word_dot_star_is_a_contained_literal() {
        assert_eq!(contained_literal("^(?:.*spam.*)$").as_deref(), Some("spam"));
        assert_eq!(contained_literal("^(?:.*a b.*)$").as_deref(), Some("a b"));
        for source in [
            "^(?:User:spam.*)$",
            "^(?:.*spam)$",
            "^(?:.*spam.+)$",
            "^(?:.*\\bspam\\b.*)$",
            "^(?:.*späm.*)$",
            "^(?:.*spam.*|x)$",
            "^(?:.*sp[ae]m.*)$",
        ] {
            assert_eq!(contained_literal(source), None, "{source}");
        }
    }

    #[test]
    fn containment_is_case_insensitive_as_pcre_reads_it() {
        let set = LiteralSet::build(&[("Spam".into(), 3), ("kit".into(), 1), ("spam".into(), 0)])
            .unwrap();
        let found = |title: &str| {
            let mut all: Vec<usize> = set.matching_entries(title).collect();
            all.sort();
            all
        };
        assert_eq!(found("User:SPAMMER"), vec![0, 3]);
        assert_eq!(found("User:ſpam"), vec![0, 3]);
        assert_eq!(found("User:\u{212A}it"), vec![1]);
        assert_eq!(found("User:Nothing"), Vec::<usize>::new());
    }

    /// The folding above is complete: under Unicode simple case folding (the `regex` crate's,
    /// like PCRE's `/ui`) an ASCII letter is equal only to its two ASCII cases, except that
    /// `k` also equals the Kelvin sign and `s` the long s.
    #[test]
    fn only_two_non_ascii_letters_fold_to_ascii() {
        use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};
        for letter in ('a'..='z').chain('0'..='9') {
            let mut class = ClassUnicode::new([ClassUnicodeRange::new(letter, letter)]);
            class.try_case_fold_simple().unwrap();
            let mut equal: Vec<char> = class
                .ranges()
                .iter()
                .flat_map(|r| r.start()..=r.end())
                .filter(|c| !c.is_ascii())
                .collect();
            equal.sort();
            let expected: Vec<char> = match letter {
                'k' => vec!['\u{212A}'],
                's' => vec!['\u{17F}'],
                _ => vec![],
            };
            assert_eq!(equal, expected, "{letter}");
        }
    }

    /// The word automaton and the regex the entry would otherwise be give the same verdict.
    #[test]
    fn words_agree_with_their_regexes() {
        let words = ["spam", "Kit", "a b", "x-y", "ss", "dot.s"];
        let set = LiteralSet::build(
            &words
                .iter()
                .enumerate()
                .map(|(i, w)| (w.to_string(), i as u32))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let titles = [
            "User:SPAM",
            "User:ſpam",
            "User:\u{212A}IT",
            "User:A B",
            "User:a\u{A0}b",
            "User:X-Y",
            "User:ß",
            "User:SS",
            "User:DOT.S",
            "User:dotxs",
            "User:İstanbul kit",
            "User:\nspam",
            "User:Ｓpam",
            "User:nothing",
        ];
        for title in titles {
            let mut by_words: Vec<usize> = set.matching_entries(title).collect();
            by_words.sort();
            let by_regexes: Vec<usize> = words
                .iter()
                .enumerate()
                .filter(|(_, w)| {
                    regex::RegexBuilder::new(&format!("^(?:.*{}.*)$", regex::escape(w)))
                        .case_insensitive(true)
                        .dot_matches_new_line(true)
                        .build()
                        .unwrap()
                        .is_match(title)
                })
                .map(|(i, _)| i)
                .collect();
            assert_eq!(by_words, by_regexes, "{title}");
        }
    }
}
