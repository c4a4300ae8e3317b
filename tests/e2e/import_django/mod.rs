//! Moving from the Django original: `bitu import-django` against its real schema with a
//! fixture touching every table, and the original's URLs answering as docs/runbook.md says.

mod fixture;
mod import;
mod resume;
mod urls;
