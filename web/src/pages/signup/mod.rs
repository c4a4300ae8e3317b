//! Sign-up: the form, its captcha, and the activation link's confirmation.

pub mod activate;
pub mod captcha;
pub mod form;
