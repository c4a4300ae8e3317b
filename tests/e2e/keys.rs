//! SSH keys end to end: keys made by `ssh-keygen` now, added through the page and the JSON
//! API of a running bitu-web, checked in the real slapd and MariaDB.

mod access;
mod add;
mod private;
pub(crate) mod support;
mod sync;
