//! `GET /wikimedia/block/?q=`: find accounts by email address, developer name or shell
//! username, with their block state and links to act.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::blocking::search;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::WebError;
use crate::templates::{html, page_context};
use bitu_core::i18n::Msg;

/// The search query.
#[derive(Deserialize)]
pub struct Query {
    #[serde(default)]
    q: String,
}

/// `GET /wikimedia/block/`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<Query>,
) -> Result<HttpResponse, WebError> {
    let found = search::search(&state.services, &state.settings, &query.q).await?;
    let mut context = page_context(&req, &state, Msg::new("bitu-block-search-heading"));
    context.insert("q", &query.q);
    context.insert("searched", &!query.q.trim().is_empty());
    context.insert("found", &found);
    context.insert("max_results", &search::MAX_RESULTS);
    html(&state, "blocking/search.html", &context)
}
