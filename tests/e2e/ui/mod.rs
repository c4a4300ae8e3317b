//! Journeys and page-level behaviour in headless Chromium: what people meet, driven to the end.

pub mod axe;
mod captcha;
mod email_change;
mod error_pages;
mod i18n;
mod journeys;
mod keys_page;
mod layout;
mod passwords;
mod qqx;
mod session_ended;
pub(crate) mod support;
