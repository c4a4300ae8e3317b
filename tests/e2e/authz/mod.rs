//! Roles, permissions and locked accounts: the authorization matrix over every route, locks
//! taking effect on open sessions and tokens, group memberships in every directory shape,
//! token scopes, CSRF binding, and the account page's shell and groups.

mod csrf;
mod email;
mod groups;
mod locked;
mod matrix;
mod nis;
mod shell;
pub mod support;
mod tokens;
