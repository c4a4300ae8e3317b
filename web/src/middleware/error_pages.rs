//! Renders error pages in the site layout: an error's response carries an [`ErrorPage`]
//! (its plain body is the fallback), and here it gets the request's header (signed-in name,
//! navigation) around it.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};

use bitu_core::i18n::{self, Msg};

use crate::app::AppState;
use crate::error::{ErrorPage, WebError};
use crate::i18n::request_lang;
use crate::templates::page_context;

/// The middleware; see the module documentation.
pub async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    let Some(page) = response.response().extensions().get::<ErrorPage>().cloned() else {
        return Ok(response);
    };
    if is_api(response.request()) {
        // JSON endpoints answer every error (404, 503, ...) in JSON, never with a page.
        let (request, old) = response.into_parts();
        let mut new = HttpResponse::build(old.status());
        for (name, value) in old.headers() {
            if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
                new.append_header((name.clone(), value.clone()));
            }
        }
        let detail = i18n::text(i18n::DEFAULT_LANG, &Msg::new(page.text));
        let new = new.json(serde_json::json!({ "detail": detail }));
        return Ok(ServiceResponse::new(request, new));
    }
    let Some(state) = response
        .request()
        .app_data::<web::Data<AppState>>()
        .cloned()
    else {
        return Ok(response);
    };
    let mut context = page_context(response.request(), &state, Msg::new(page.title));
    let lang = request_lang(response.request());
    context.insert("text", &i18n::text(lang.code(), &Msg::new(page.text)));
    context.insert("status", &response.status().as_u16());
    let Ok(body) = state.templates.render("error.html", &context) else {
        return Ok(response);
    };
    let (request, old) = response.into_parts();
    let mut new = HttpResponse::build(old.status());
    for (name, value) in old.headers() {
        if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let new = new.content_type("text/html; charset=utf-8").body(body);
    Ok(ServiceResponse::new(request, new))
}

/// Whether `req` is for a JSON API, which answers errors in JSON.
fn is_api(req: &HttpRequest) -> bool {
    crate::auth::is_api_path(req.path())
}

fn malformed(detail: String, req: &HttpRequest, text: &'static str) -> actix_web::Error {
    WebError::Malformed {
        detail,
        text,
        api: is_api(req),
    }
    .into()
}

const BAD_LINK: &str = "bitu-error-bad-link";
const BAD_FORM: &str = "bitu-error-bad-form";
const BAD_JSON: &str = "bitu-error-bad-json";

/// Extractor settings whose errors render as pages a person understands (JSON for APIs).
pub fn configure_extractors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::PathConfig::default().error_handler(|e, req| malformed(e.to_string(), req, BAD_LINK)),
    )
    .app_data(
        web::QueryConfig::default().error_handler(|e, req| malformed(e.to_string(), req, BAD_LINK)),
    )
    .app_data(
        web::FormConfig::default().error_handler(|e, req| malformed(e.to_string(), req, BAD_FORM)),
    )
    .app_data(web::JsonConfig::default().error_handler(|e, _req| {
        WebError::Malformed {
            detail: e.to_string(),
            text: BAD_JSON,
            api: true,
        }
        .into()
    }));
}
