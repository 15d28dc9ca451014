//! The engine's error type. Each variant maps to exactly one Java exception class
//! (see `jni_bridge::throw`), so Java callers can tell bad arguments from bad bytes.

#[derive(Debug, thiserror::Error)]
pub enum FheError {
    /// A caller-supplied argument is out of range or inconsistent (→ IllegalArgumentException).
    #[error("{0}")]
    InvalidArgument(String),
    /// Serialized bytes that cannot be read: corrupted, truncated, oversized (→ FheFormatException).
    #[error("{0}")]
    Malformed(String),
    /// A well-formed object made for another parameter set or shape (→ ParameterMismatchException).
    #[error("{0}")]
    ParameterMismatch(String),
    /// A null handle or array (→ NullPointerException).
    #[error("{0}")]
    Null(String),
    /// A live handle of another type (→ IllegalStateException), caught by its tag. A released
    /// handle is not detectable here: `destroy` frees its memory, so reading its tag would itself
    /// be a use after free. What prevents that is the Java owner (`NativeHandle`), which zeroes
    /// the handle under a write lock on close and throws IllegalStateException itself for any
    /// later use, so a released handle never reaches the engine.
    #[error("{0}")]
    InvalidHandle(String),
    /// The caller cancelled the operation through its cancel flag (→ CancellationException).
    #[error("{0}")]
    Cancelled(String),
    /// A bug in the engine (→ AssertionError).
    #[error("{0}")]
    Internal(String),
}

pub type FheResult<T> = Result<T, FheError>;

/// Shorthand for argument checks: `ensure(cond, || format!(...))?`.
pub fn ensure(cond: bool, msg: impl FnOnce() -> String) -> FheResult<()> {
    if cond {
        Ok(())
    } else {
        Err(FheError::InvalidArgument(msg()))
    }
}
