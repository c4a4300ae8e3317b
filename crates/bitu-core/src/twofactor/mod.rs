//! Two-factor sign-in with TOTP codes (RFC 6238) and recovery codes (#18): enrolment,
//! the code step after the password, disabling, an account manager's reset, and the check
//! API other services call. Secrets are stored encrypted ([`crypto`]), recovery codes hashed
//! ([`recovery`]); a code is accepted once per step across hosts ([`replay`]); wrong codes
//! are counted like wrong passwords.

mod changes;
pub mod crypto;
pub mod recovery;
pub mod replay;
pub mod rotate;
pub mod service;
pub mod store;
pub mod totp;

pub use crypto::SecretCipher;
pub use replay::{RedisReplayGuard, ReplayGuard};
pub use service::{CodeCheck, ConfirmOutcome, DisableOutcome, Enrolment, Status, TwoFactor};

/// Limiter bucket of wrong codes per account.
pub const ACCOUNT_BUCKET: &str = "totp-account";
