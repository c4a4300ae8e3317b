//! Single sign-on against the real test provider (npm oidc-provider under Node.js) and the
//! MediaWiki and Phabricator OAuth 2.0 look-alikes it serves: the browser journey, the HTTP
//! edge cases, the standby host, and account linking through a real bitu-rq.

mod browser;
mod linking;
mod signin;
mod support;
