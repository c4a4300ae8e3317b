//! The Django original's URLs (idm.wikimedia.org before the cut-over): bookmarks, mailed
//! links, scripts and the monitoring probe keep working. Pages answer with a permanent
//! redirect to their new address (301 for GET, 308 for POST so the method and body survive);
//! the two sign-in pages answer in place; the JSON APIs scripts use answer as the original's
//! did (see [`api`]). The full table is in docs/runbook.md.

pub mod api;

use std::future::{Ready, ready};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// A handler answering with a permanent redirect to `to`, in which `{name}` stands for the
/// route's path parameter `name`; the query string is kept. 308 for methods other than GET
/// and HEAD, so a POST stays a POST.
pub fn redirect(to: &'static str) -> impl Fn(HttpRequest) -> Ready<HttpResponse> + Clone + 'static {
    move |request: HttpRequest| ready(redirect_response(&request, to))
}

fn redirect_response(request: &HttpRequest, to: &str) -> HttpResponse {
    let mut location = to.to_string();
    for (name, value) in request.match_info().iter() {
        // Parameters are ids and key names; anything else would not match the new route.
        let safe: String = value
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        location = location.replace(&format!("{{{name}}}"), &safe);
    }
    let query = request.query_string();
    if !query.is_empty() {
        location.push('?');
        location.push_str(query);
    }
    let mut response = if matches!(request.method().as_str(), "GET" | "HEAD") {
        HttpResponse::MovedPermanently()
    } else {
        HttpResponse::PermanentRedirect()
    };
    response
        .insert_header((header::LOCATION, location))
        .finish()
}
