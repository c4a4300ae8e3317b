//! Username and IP block lists: MediaWiki Titleblacklist entries (imported from wikis or
//! added by hand) that refuse signup names, and global IP blocks that can refuse signups.
//!
//! # Matching rules (MediaWiki's TitleBlacklist extension, action `new-account`)
//!
//! Followed from `TitleBlacklistEntry::newFromString`/`matches`, `TitleBlacklist::isBlacklisted`
//! and `Hooks::testUserName`:
//!
//! - **Line syntax.** Everything from the first `#` is a comment (even inside `[...]`). What
//!   remains is trimmed; a final `<opt|opt|errmsg=...>` holds the options (names
//!   case-insensitive, unknown ones ignored). An empty regex, or `0`, is no entry.
//! - **Regex rewrites.** Every `_` in the regex becomes a space (titles are matched in text
//!   form); `{{ns:N}}` becomes the namespace's canonical English name. `{{int:...}}` cannot be
//!   resolved here and stays as written.
//! - **What is matched.** The name becomes the title `User:Name` in MediaWiki's canonical
//!   form (`crate::names`: references decoded, NFC, bidirectional marks removed, runs of
//!   spaces/underscores folded to one space, trimmed, one `User:` prefix dropped, first letter
//!   in title case), and the entry
//!   is matched against that *full* text, `User:` prefix included. So `Foo.*` never blocks a
//!   user name while `User:Foo.*` and `.*Foo.*` do. A name that is no valid title is never
//!   blocked (other validators refuse it).
//! - **How.** `/^(?:{regex})$/us` plus `i` unless `casesensitive`: anchored, Unicode-aware,
//!   dot matches newlines, case-insensitive by simple Unicode case folding. An unescaped `/`
//!   in the regex ends PHP's pattern early and the rest fails as modifiers, so such an entry
//!   never matches: it is skipped at import, with that reason.
//! - **Which entries.** `moveonly` entries never apply to account creation. `newaccountonly`,
//!   `noedit`, `reupload` and `antispoof` entries apply (`noedit`/`reupload` only matter to
//!   other actions). `autoconfirmed` entries apply too: the creator of a signup is anonymous.
//!   All sources apply (`$wgTitleBlacklistUsernameSources = '*'`).
//! - **Which match is reported.** The first matching entry without `autoconfirmed`, else the
//!   first with it; entries are ordered by origin, then line.
//!
//! # Where Bitu differs from MediaWiki, and why
//!
//! - `antispoof`: MediaWiki matches the AntiSpoof-normalised title when that extension is
//!   loaded. Its confusable-character tables are not available here, so the plain title is
//!   matched, as MediaWiki itself does when AntiSpoof is absent.
//! - A pattern that exhausts its backtracking limit blocks the name and is logged (PHP's
//!   `preg_match` would return false, i.e. allow it): refusing is the safe side.
//! - Engines: patterns the `regex` crate reads as PCRE does run there; patterns with PCRE-only
//!   features run on fancy-regex. Skipped (never matching, as an invalid pattern never
//!   matches in MediaWiki): patterns neither reads (e.g. `[\w-.]`, `\Q..\E`, octal escapes),
//!   and patterns both would read differently from PCRE (`\<`, `\>`, `\b{...}`, class set
//!   operators `&&`/`--`/`~~`). POSIX classes (`[[:alpha:]]`) are ASCII-only here, Unicode
//!   in PHP's PCRE.
//! - The whitelist (`MediaWiki:Titlewhitelist`) and `tboverride` rights do not exist in Bitu.
//!
//! # IP blocks
//!
//! Imported from `list=globalblocks` (addresses and CIDR ranges, IPv4 and IPv6; account
//! blocks are ignored). A block covers an address when the address lies in its range and it
//! has not expired. Expired blocks are deleted `expired_ip_retention` after expiry.

mod fast;
mod import;
pub mod ip;
mod literal;
pub mod matcher;
pub mod mediawiki;
pub mod parse;
mod pcre;
pub mod store;
mod superset;
pub mod sync;
pub mod title;

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub use import::{ImportOptions, ImportOutcome, LOCK_NAME, run as run_import};
pub use matcher::{BlockMatch, Engine, Entry, Matcher, Skipped, validate};
pub use parse::{EntryOptions, ParsedLine, parse_line, parse_page};
pub use store::MANUAL;
pub use title::{canonical_user_name, ucfirst, user_title};

use crate::config::{BlocklistSettings, NamesSettings};
use crate::db::{self, DbPool};
use crate::error::{Error, Result};
use crate::names::NameRules;

struct Loaded {
    version: i64,
    checked: Instant,
    matcher: Arc<Matcher>,
}

/// The block list as daemons use it: compiled once, reloaded only when the version counter
/// in the database moved, looked at no more often than `reload_interval`.
pub struct Blocklist {
    pool: DbPool,
    reload_interval: Duration,
    backtrack_limit: usize,
    loaded: RwLock<Option<Loaded>>,
    reloading: tokio::sync::Mutex<()>,
    rules: NameRules,
}

impl Blocklist {
    /// A block list over `pool`; nothing is loaded until the first check.
    pub fn new(pool: DbPool, settings: &BlocklistSettings) -> Blocklist {
        Blocklist {
            pool,
            reload_interval: settings.reload_interval,
            backtrack_limit: settings.backtrack_limit,
            loaded: RwLock::new(None),
            reloading: tokio::sync::Mutex::new(()),
            rules: NameRules::default(),
        }
    }

    /// Reads names with the deployment's `[names]` rules instead of the default ones.
    pub fn with_name_rules(mut self, settings: &NamesSettings) -> Blocklist {
        self.rules = NameRules::new(settings);
        self
    }

    fn current(&self) -> Option<Arc<Matcher>> {
        let loaded = self.loaded.read().ok()?;
        loaded.as_ref().map(|loaded| loaded.matcher.clone())
    }

    fn fresh(&self) -> Option<Arc<Matcher>> {
        let loaded = self.loaded.read().ok()?;
        let loaded = loaded.as_ref()?;
        (loaded.checked.elapsed() < self.reload_interval).then(|| loaded.matcher.clone())
    }

    /// The current matcher, reloading it first if the entries changed.
    pub async fn matcher(&self) -> Result<Arc<Matcher>> {
        if let Some(matcher) = self.fresh() {
            return Ok(matcher);
        }
        // One task reloads; meanwhile the others keep using the previous matcher (and wait
        // only when there is none yet), so a reload never stalls signups.
        let _reloading = match self.reloading.try_lock() {
            Ok(guard) => guard,
            Err(_) => match self.current() {
                Some(matcher) => return Ok(matcher),
                None => self.reloading.lock().await,
            },
        };
        if let Some(matcher) = self.fresh() {
            return Ok(matcher);
        }
        let mut conn = db::conn(&self.pool).await?;
        let version = store::version(&mut conn, store::PATTERNS_VERSION).await?;
        let current = self.loaded.read().ok().and_then(|loaded| {
            loaded
                .as_ref()
                .filter(|l| l.version == version)
                .map(|l| l.matcher.clone())
        });
        let matcher = match current {
            Some(matcher) => matcher,
            None => {
                let (version_read, entries) = store::matcher_entries(&mut conn).await?;
                drop(conn);
                let limit = self.backtrack_limit;
                let matcher = tokio::task::spawn_blocking(move || Matcher::build(entries, limit))
                    .await
                    .map_err(|e| Error::Internal(format!("block list compile failed: {e}")))?;
                tracing::info!(
                    version = version_read,
                    entries = matcher.len(),
                    skipped = matcher.skipped().len(),
                    "block list loaded"
                );
                let matcher = Arc::new(matcher);
                self.store(version_read, matcher.clone());
                return Ok(matcher);
            }
        };
        self.store(version, matcher.clone());
        Ok(matcher)
    }

    fn store(&self, version: i64, matcher: Arc<Matcher>) {
        if let Ok(mut loaded) = self.loaded.write() {
            *loaded = Some(Loaded {
                version,
                checked: Instant::now(),
                matcher,
            });
        }
    }

    /// Whether a new account called `name` is refused, and by which entry.
    pub async fn check(&self, name: &str) -> Result<Option<BlockMatch>> {
        Ok(self.matcher().await?.check_with(name, &self.rules))
    }
}
