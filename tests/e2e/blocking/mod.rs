//! Account blocking: the LDAP lock with sessions, tokens, mail and keys; Gerrit, GitLab and
//! Phabricator through local fakes answering in their documented shapes; retries by bitu-rq;
//! the pages, the API and the CLI.

mod cli;
mod fake_systems;
mod gitlab;
mod integrations;
mod ldap;
mod pages;
pub(crate) mod support;
mod takes_effect;
mod web;
