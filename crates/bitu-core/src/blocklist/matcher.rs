//! The compiled block list: every applicable entry, matched against one `User:` title.
//!
//! Entries that only ask whether the title contains a word (`.*word.*`) are one Aho-Corasick
//! automaton of words (see `literal`). For the others a literal prefilter (regex-filtered's
//! atoms, in one Aho-Corasick automaton) picks the few entries a title can match. Patterns the `regex` crate reads the way PCRE does run there,
//! compiled once on first use (10,000 compiled regexes would take some 170 MiB). Patterns
//! needing PCRE features (backreferences, lookaround, possessive quantifiers, atomic groups)
//! run on fancy-regex with a backtracking limit, prefiltered by a regular superset of their
//! language, compiled on first use and shared by identical patterns (see `pcre`). Patterns
//! neither engine reads are skipped.

use std::sync::{Arc, OnceLock};

use aho_corasick::AhoCorasick;
use regex_filtered::mapper::{self, Mapper};
use regex_filtered::model::Model;
use tracing::{error, warn};

use super::fast::{FastRefusal, REGEX_SIZE_LIMIT, build_fast, fast_hir};
use super::literal::{LiteralSet, contained_literal};
use super::parse::EntryOptions;
use super::parse::php_delimiter_problem;
use super::pcre::{LazyPcre, PcrePatterns, build_pcre};
use super::superset;
use super::title::{entry_regex, user_title};
use crate::names::NameRules;

/// One block list entry as the matcher sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `manual` or the source's name.
    pub origin: String,
    /// Line in the source page.
    pub line: Option<u32>,
    /// The regex as written.
    pub pattern: String,
    /// Its options.
    pub options: EntryOptions,
}

/// Why a name is refused: the entry that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockMatch {
    /// `manual` or the source's name.
    pub origin: String,
    /// Line in the source page, when the entry came from one.
    pub line: Option<u32>,
    /// The entry's regex as written.
    pub pattern: String,
    /// The entry's custom message name, if it has one.
    pub errmsg: Option<String>,
    /// The pattern ran out of backtracking steps; treated as a match so no signup hangs.
    pub limit_exceeded: bool,
}

/// An entry no engine could read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// `manual` or the source's name.
    pub origin: String,
    /// Line in the source page.
    pub line: Option<u32>,
    /// The regex as written.
    pub pattern: String,
    /// What the engines said.
    pub reason: String,
}

/// Which engine runs a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// The `regex` crate, behind the literal prefilter.
    Fast,
    /// fancy-regex, for PCRE features; run on every title, with a backtracking limit.
    Pcre,
}

/// The anchored source MediaWiki builds: `/^(?:{$regex})$/usi` (`i` unless casesensitive).
fn anchored(pattern: &str) -> String {
    format!("^(?:{})$", entry_regex(pattern))
}

/// Compiles `pattern` fully with the engine that will run it: the check an import or
/// `bitu blocklist add` makes, so every accepted line is known to work.
pub fn validate(
    pattern: &str,
    options: &EntryOptions,
    backtrack_limit: usize,
) -> Result<Engine, String> {
    if let Some(reason) = php_delimiter_problem(pattern) {
        return Err(reason);
    }
    let source = anchored(pattern);
    let case_insensitive = !options.casesensitive;
    match fast_hir(&source, case_insensitive) {
        Ok(_) => build_fast(&source, case_insensitive)
            .map(|_| Engine::Fast)
            .map_err(|e| e.to_string()),
        Err(FastRefusal::Diverges(reason)) => Err(reason),
        Err(FastRefusal::Syntax(fast_error)) => {
            match build_pcre(&source, case_insensitive, backtrack_limit, REGEX_SIZE_LIMIT) {
                Ok(_) => Ok(Engine::Pcre),
                Err(e) => Err(format!("{e} (regex: {})", first_line(&fast_error))),
            }
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim()
}

struct FastPattern {
    entry: usize,
    source: String,
    case_insensitive: bool,
    compiled: OnceLock<Option<regex::Regex>>,
}

impl FastPattern {
    fn is_match(&self, title: &str, entries: &[Arc<Entry>]) -> bool {
        let compiled = self.compiled.get_or_init(|| {
            build_fast(&self.source, self.case_insensitive)
                .map_err(|e| {
                    let entry = &entries[self.entry];
                    error!(origin = %entry.origin, line = ?entry.line, pattern = %entry.pattern,
                        error = %e, "block list pattern does not compile; it never matches");
                })
                .ok()
        });
        compiled.as_ref().is_some_and(|re| re.is_match(title))
    }
}

struct PcrePattern {
    entry: usize,
    regex: Arc<LazyPcre>,
}

/// One pattern behind the prefilter; its index is its id in the atom mapper.
enum Candidate {
    Fast(FastPattern),
    Pcre(PcrePattern),
}

/// Every applicable entry, ready to match.
pub struct Matcher {
    entries: Vec<Arc<Entry>>,
    literals: Option<LiteralSet>,
    candidates: Vec<Candidate>,
    mapper: Mapper,
    prefilter: Option<AhoCorasick>,
    pcre_len: usize,
    skipped: Vec<Skipped>,
    not_for_accounts: usize,
}

impl Matcher {
    /// Builds the matcher; entries keep their order, which decides which match is reported.
    pub fn build(entries: Vec<Entry>, backtrack_limit: usize) -> Matcher {
        let mut kept = Vec::new();
        let mut candidates = Vec::new();
        let mut models = mapper::Builder::new(3);
        let mut pcre_len = 0;
        let mut skipped = Vec::new();
        let mut not_for_accounts = 0;
        let mut words: Vec<(String, u32)> = Vec::new();
        let mut pcre_patterns = PcrePatterns::default();
        for entry in entries {
            if !entry.options.applies_to_new_accounts() {
                not_for_accounts += 1;
                continue;
            }
            let source = anchored(&entry.pattern);
            let case_insensitive = !entry.options.casesensitive;
            let index = kept.len();
            let problem = php_delimiter_problem(&entry.pattern);
            if problem.is_none()
                && case_insensitive
                && let Some(word) = contained_literal(&source)
            {
                words.push((word, index as u32));
                kept.push(Arc::new(entry));
                continue;
            }
            let refusal = match problem {
                Some(reason) => FastRefusal::Diverges(reason),
                None => match fast_hir(&source, case_insensitive) {
                    Ok(hir) => {
                        // A pattern without usable literals is a candidate for every title.
                        models.push(Model::new(&hir).unwrap_or_else(|_| Model::all()));
                        candidates.push(Candidate::Fast(FastPattern {
                            entry: index,
                            source,
                            case_insensitive,
                            compiled: OnceLock::new(),
                        }));
                        kept.push(Arc::new(entry));
                        continue;
                    }
                    Err(refusal) => refusal,
                },
            };
            let reason = match refusal {
                FastRefusal::Diverges(reason) => reason,
                FastRefusal::Syntax(_) => {
                    match pcre_patterns.get(
                        &source,
                        case_insensitive,
                        backtrack_limit,
                        REGEX_SIZE_LIMIT,
                    ) {
                        Ok(regex) => {
                            let flags = if case_insensitive { "(?si)" } else { "(?s)" };
                            let model = superset::superset_hir(&format!("{flags}{source}"))
                                .and_then(|hir| Model::new(&hir).ok())
                                .unwrap_or_else(Model::all);
                            models.push(model);
                            candidates.push(Candidate::Pcre(PcrePattern {
                                entry: index,
                                regex,
                            }));
                            pcre_len += 1;
                            kept.push(Arc::new(entry));
                            continue;
                        }
                        Err(e) => e.to_string(),
                    }
                }
            };
            warn!(origin = %entry.origin, line = ?entry.line, pattern = %entry.pattern,
                %reason, "block list pattern skipped");
            skipped.push(Skipped {
                origin: entry.origin,
                line: entry.line,
                pattern: entry.pattern,
                reason,
            });
        }
        let literals = LiteralSet::build(&words);
        if literals.is_none() && !words.is_empty() {
            // Without the word automaton those entries run as regexes: slower, still right.
            error!("block list word automaton failed to build");
            for (_, index) in &words {
                let index = *index as usize;
                let source = anchored(&kept[index].pattern);
                if let Ok(hir) = fast_hir(&source, true) {
                    models.push(Model::new(&hir).unwrap_or_else(|_| Model::all()));
                    candidates.push(Candidate::Fast(FastPattern {
                        entry: index,
                        source,
                        case_insensitive: true,
                        compiled: OnceLock::new(),
                    }));
                }
            }
        }
        let (mapper, atoms) = models.build();
        let prefilter = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .prefilter(true)
            .build(atoms)
            .map_err(|e| {
                // Without the prefilter every fast pattern is a candidate: slower, still right.
                error!(error = %e, "block list prefilter failed to build");
            })
            .ok();
        Matcher {
            entries: kept,
            literals,
            candidates,
            mapper,
            prefilter,
            pcre_len,
            skipped,
            not_for_accounts,
        }
    }

    /// Entries that were skipped because no engine reads them.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// How many entries take part in matching.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry takes part in matching.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many entries were left out because they never apply to account creation.
    pub fn not_for_accounts(&self) -> usize {
        self.not_for_accounts
    }

    /// How many distinct words the word automaton holds (entries `.*word.*`).
    pub fn word_len(&self) -> usize {
        self.literals.as_ref().map_or(0, LiteralSet::len)
    }

    /// How many entries run on the PCRE-compatible engine.
    pub fn pcre_len(&self) -> usize {
        self.pcre_len
    }

    /// Whether creating an account called `name` is refused, and by which entry (the name
    /// read with the default `[names]` rules).
    pub fn check(&self, name: &str) -> Option<BlockMatch> {
        self.check_title(&user_title(name)?)
    }

    /// As [`Matcher::check`], with the deployment's name rules.
    pub fn check_with(&self, name: &str, rules: &NameRules) -> Option<BlockMatch> {
        self.check_title(&rules.user_title(name)?)
    }

    /// Checks a full `User:Name` title; MediaWiki's `TitleBlacklist::isBlacklisted` for the
    /// `new-account` action: the first match without `autoconfirmed`, else the first with it.
    pub fn check_title(&self, title: &str) -> Option<BlockMatch> {
        let candidates = match &self.prefilter {
            Some(prefilter) => self.mapper.atom_to_re(
                prefilter
                    .find_overlapping_iter(title)
                    .map(|m| m.pattern().as_usize()),
            ),
            None => (0..self.candidates.len()).collect(),
        };
        let mut matched: Vec<(usize, bool)> = Vec::new();
        if let Some(literals) = &self.literals {
            matched.extend(literals.matching_entries(title).map(|entry| (entry, false)));
        }
        for index in candidates {
            match self.candidates.get(index) {
                Some(Candidate::Fast(pattern)) if pattern.is_match(title, &self.entries) => {
                    matched.push((pattern.entry, false));
                }
                Some(Candidate::Pcre(pattern)) => match pattern.regex.is_match(title) {
                    Ok(false) => {}
                    Ok(true) => matched.push((pattern.entry, false)),
                    Err(e) => {
                        let entry = &self.entries[pattern.entry];
                        warn!(origin = %entry.origin, line = ?entry.line, pattern = %entry.pattern,
                            %title, error = %e, "block list pattern gave up; the name is treated as blocked");
                        matched.push((pattern.entry, true));
                    }
                },
                _ => {}
            }
        }
        let winner = matched
            .iter()
            .filter(|(index, _)| !self.entries[*index].options.autoconfirmed)
            .min()
            .or_else(|| matched.iter().min())?;
        let entry = &self.entries[winner.0];
        Some(BlockMatch {
            origin: entry.origin.clone(),
            line: entry.line,
            pattern: entry.pattern.clone(),
            errmsg: entry.options.errmsg.clone(),
            limit_exceeded: winner.1,
        })
    }
}

#[cfg(test)]
#[path = "matcher_tests.rs"]
mod tests;
