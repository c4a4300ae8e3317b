//! One module per page or endpoint; each stays thin: parse, call a service, render.

pub mod assets;
pub mod health;
pub mod home;
pub mod not_found;

use serde::Serialize;

/// Values every page's layout needs.
#[derive(Serialize)]
pub struct Layout<'a> {
    /// Site name from `[site] name`.
    pub site_name: &'a str,
    /// Title of this page.
    pub title: &'a str,
}
