//! Patterns needing PCRE features, on fancy-regex with a backtracking limit. A compiled one
//! holds tens of KiB and most are candidates for few titles, so each is checked when the list
//! is built but compiled for matching on first use, once for all entries with the same source.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use tracing::error;

/// Compiles an anchored source as PCRE reads it under `/usi` (or `/us`).
pub fn build_pcre(
    source: &str,
    case_insensitive: bool,
    backtrack_limit: usize,
    size_limit: usize,
) -> Result<fancy_regex::Regex, fancy_regex::Error> {
    let flags = if case_insensitive { "(?si)" } else { "(?s)" };
    fancy_regex::RegexBuilder::new(&format!("{flags}{source}"))
        .backtrack_limit(backtrack_limit)
        .delegate_size_limit(size_limit)
        .build()
}

/// One PCRE pattern, compiled on first use.
pub struct LazyPcre {
    source: String,
    case_insensitive: bool,
    backtrack_limit: usize,
    size_limit: usize,
    compiled: OnceLock<Option<fancy_regex::Regex>>,
}

impl LazyPcre {
    /// Whether `title` matches; an error when the backtracking limit ran out.
    pub fn is_match(&self, title: &str) -> Result<bool, fancy_regex::Error> {
        let compiled = self.compiled.get_or_init(|| {
            build_pcre(
                &self.source,
                self.case_insensitive,
                self.backtrack_limit,
                self.size_limit,
            )
            .map_err(|e| {
                // It compiled when the list was built; only a bug gets here.
                error!(source = %self.source, error = %e, "block list PCRE pattern stopped compiling");
            })
            .ok()
        });
        match compiled {
            Some(regex) => regex.is_match(title),
            None => Ok(false),
        }
    }
}

/// The PCRE patterns of one list build, shared by source.
#[derive(Default)]
pub struct PcrePatterns {
    by_source: HashMap<(String, bool), Arc<LazyPcre>>,
}

impl PcrePatterns {
    /// The shared pattern for `source`, after checking that it compiles.
    pub fn get(
        &mut self,
        source: &str,
        case_insensitive: bool,
        backtrack_limit: usize,
        size_limit: usize,
    ) -> Result<Arc<LazyPcre>, fancy_regex::Error> {
        let key = (source.to_string(), case_insensitive);
        if let Some(pattern) = self.by_source.get(&key) {
            return Ok(Arc::clone(pattern));
        }
        build_pcre(source, case_insensitive, backtrack_limit, size_limit)?;
        let pattern = Arc::new(LazyPcre {
            source: source.to_string(),
            case_insensitive,
            backtrack_limit,
            size_limit,
            compiled: OnceLock::new(),
        });
        self.by_source.insert(key, Arc::clone(&pattern));
        Ok(pattern)
    }
}
