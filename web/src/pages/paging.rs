//! The `?page=` query of paginated pages.

use serde::Deserialize;

/// The highest page accepted: keeps `(page - 1) * per_page` far from overflowing an i64.
const MAX_PAGE: i64 = 100_000;

/// `?page=N`; the first page when absent.
#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

impl PageQuery {
    /// The page asked for, between 1 and [`MAX_PAGE`].
    pub fn number(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, MAX_PAGE)
    }
}
