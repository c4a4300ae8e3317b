//! The one error type of the core crate. Outages are their own variants so every daemon can
//! tell "try again later" (503) from a bug.

/// Result with the core [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong below the daemons.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Settings are missing or wrong.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// MariaDB cannot be reached or gave no connection in time.
    #[error("database unavailable: {0}")]
    DatabaseUnavailable(String),
    /// A query failed.
    #[error("database error: {0}")]
    Database(diesel::result::Error),
    /// The schema is older than this binary expects.
    #[error("the database schema is behind ({0} pending migration(s)); run `bitu migrate`")]
    SchemaBehind(usize),
    /// Migrations could not be applied.
    #[error("migration failed: {0}")]
    Migration(String),
    /// No LDAP server of the list answered.
    #[error("LDAP directory unavailable: {0}")]
    DirectoryUnavailable(String),
    /// The directory refused an operation.
    #[error("LDAP operation failed: {0}")]
    Directory(String),
    /// Redis cannot be reached.
    #[error("Redis unavailable: {0}")]
    QueueUnavailable(String),
    /// Input refused; the message (rendered in the reader's language by the web layer) is
    /// for the person who gave it. Its `Display` is the English text.
    #[error("{0}")]
    Invalid(crate::i18n::Msg),
    /// A job could not be stored, claimed or acknowledged (not an outage).
    #[error("job queue error: {0}")]
    Queue(String),
    /// A mail could not be rendered or sent.
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
    /// A remote service (a wiki's API) failed or answered nonsense.
    #[error("{0}")]
    Remote(String),
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// An internal invariant broke.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Self {
        // "No row" is an answer; anything else may mean the connection died.
        if !matches!(error, diesel::result::Error::NotFound) {
            crate::db::note_query_failure();
        }
        Error::Database(error)
    }
}

impl Error {
    /// Whether a backing service is down, so the right answer is "try again later".
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Error::DatabaseUnavailable(_)
                | Error::DirectoryUnavailable(_)
                | Error::QueueUnavailable(_)
        )
    }
}
