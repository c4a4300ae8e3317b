//! `/permissions/log/`: the decisions on requests for the groups this manager decides for,
//! newest first, 50 a page.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::permissions::{queries, views};

use crate::app::AppState;
use crate::error::WebError;
use crate::pages::paging::PageQuery;
use crate::templates::{html, page_context};
use bitu_core::i18n::Msg;

/// Rows a page shows.
const PER_PAGE: i64 = 50;

/// `GET /permissions/log/`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let page = query.number();
    let manager = super::manager_facts(&state, &req).await?;
    let dns: Vec<String> = views::managed_groups(&state.settings.permissions, &manager)
        .iter()
        .map(|g| g.group.clone())
        .collect();
    let mut conn = bitu_core::db::conn(&state.services.db).await?;
    // One row more than shown tells whether a next page exists.
    let mut rows = queries::decisions(&mut conn, &dns, (page - 1) * PER_PAGE, PER_PAGE + 1).await?;
    let has_next = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let mut context = page_context(&req, &state, Msg::new("bitu-permissions-log-heading"));
    context.insert("rows", &rows);
    context.insert("page", &page);
    context.insert("has_next", &has_next);
    html(&state, "permissions/log.html", &context)
}
