//! SSH keys of the signed-in user: the list (synchronised with the directory on every view),
//! adding, activating, suspending and deleting, and the same as a JSON API.

pub mod api;
pub mod delete;
pub mod list;
pub mod state;
pub mod view;
