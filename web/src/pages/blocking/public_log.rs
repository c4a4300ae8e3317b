//! `/wikimedia/log/`: the public ban log, 25 per page: date, account, manager, action and
//! comment; never an email address or a system's detail. No sign-in needed.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::blocking::{PER_PAGE, store};
use serde_json::json;

use crate::app::AppState;
use crate::error::WebError;
use crate::pages::paging::PageQuery;
use crate::templates::{html, page_context};
use bitu_core::i18n::Msg;

/// `GET /wikimedia/log/`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let page = query.number();
    let (rows, total) = store::page(&state.services.db, page, PER_PAGE).await?;
    // Only public columns leave this function.
    let entries: Vec<_> = rows
        .iter()
        .map(|row| {
            json!({"created_at": row.created_at, "uid": row.uid, "manager": row.manager,
                   "action": row.action, "comment": row.comment})
        })
        .collect();
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let mut context = page_context(&req, &state, Msg::new("bitu-banlog-heading"));
    context.insert("entries", &entries);
    context.insert("page", &page);
    context.insert("pages", &pages);
    html(&state, "blocking/public_log.html", &context)
}
