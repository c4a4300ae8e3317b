//! Journeys and page-level behaviour in headless Chromium: what people meet, driven to the end.

mod captcha;
mod email_change;
mod error_pages;
mod keys_page;
pub mod support;
