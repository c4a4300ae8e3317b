//! In-memory implementations of the core's seams, so service tests run without slapd,
//! MariaDB, Redis or an SMTP server. Compiled for tests only.

pub mod directory;
pub mod jobs;
pub mod limiter;
pub mod mail;
pub mod signups;

pub use directory::MemoryDirectory;
pub use jobs::MemoryJobs;
pub use limiter::MemoryLimiter;
pub use mail::CapturingTransport;
pub use signups::{MemoryIpBlocks, MemorySignups};
