//! The storage layer's error: what went wrong with the database, in terms the rest of the
//! server can act on. It knows nothing of HTTP; the server turns it into the envelope in one
//! place (`crate::error`).

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database is unreachable, timed out, or rolled the work back (the outcome of a write
    /// is unknown; retrying is safe where the write is retry-safe).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A unique constraint refused the change: the row exists already.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Anything else: a bug or a broken invariant. Logged with its cause.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A storage result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Unavailable`] with a reason for the log.
    pub fn unavailable(reason: &str) -> Self {
        Self::Unavailable(reason.to_owned())
    }
}

impl From<DieselError> for Error {
    fn from(err: DieselError) -> Self {
        if let DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &err {
            return Self::Conflict(info.message().to_owned());
        }
        if is_unavailable(&err) {
            Self::Unavailable(err.to_string())
        } else {
            Self::Internal(err.into())
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(err: r2d2::Error) -> Self {
        Self::Unavailable(err.to_string())
    }
}

/// Whether a diesel error means the database itself is unreachable or unwell (as opposed to
/// a problem with one query).
fn is_unavailable(err: &DieselError) -> bool {
    match err {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | DieselError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _)
        | DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _)
        | DieselError::BrokenTransactionManager
        | DieselError::AlreadyInTransaction => true,
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let message = info.message().to_ascii_lowercase();
            ["database is locked", "disk", "full", "connection", "terminat", "i/o", "deadlock"]
                .iter()
                .any(|needle| message.contains(needle))
        }
        _ => false,
    }
}
