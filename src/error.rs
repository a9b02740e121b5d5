//! The library's error type. Every variant names what a user needs to fix:
//! the file, the column or row, the offending value, and a hint.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input data or configuration: exit code 1.
    #[error("{file}: {message}")]
    Data { file: String, message: String },

    /// Bad configuration file or setting: exit code 1.
    #[error("config {file}: {message}")]
    Config { file: String, message: String },

    /// Refusing to overwrite an existing output: exit code 1.
    #[error("{} already exists", path.display())]
    Exists { path: PathBuf },

    /// I/O failure on a named path: exit code 1 (usually a wrong path).
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Model fitting failed: exit code 1 (the data does not allow a fit).
    #[error("model fit failed: {0}")]
    Fit(String),

    /// Anything the user cannot fix: exit code 2.
    #[error("internal error: {0}")]
    Internal(String),
}

/// linfa's own errors (dataset checks inside `Fit`) are fit failures.
impl From<linfa::Error> for Error {
    fn from(e: linfa::Error) -> Self {
        Error::Fit(e.to_string())
    }
}

impl Error {
    pub fn data(file: impl std::fmt::Display, message: impl Into<String>) -> Self {
        Error::Data {
            file: file.to_string(),
            message: message.into(),
        }
    }
    pub fn config(file: impl std::fmt::Display, message: impl Into<String>) -> Self {
        Error::Config {
            file: file.to_string(),
            message: message.into(),
        }
    }
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
    /// Exit code for the binary: 1 for anything the user can fix, 2 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Internal(_) => 2,
            _ => 1,
        }
    }
    /// An optional hint shown after the error.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Exists { .. } => Some("pass --force to replace it, or choose another name"),
            _ => None,
        }
    }
}

impl From<polars::error::PolarsError> for Error {
    fn from(e: polars::error::PolarsError) -> Self {
        Error::Internal(format!("polars: {e}"))
    }
}

impl From<arrow::error::ArrowError> for Error {
    fn from(e: arrow::error::ArrowError) -> Self {
        Error::Internal(format!("arrow: {e}"))
    }
}

impl From<parquet::errors::ParquetError> for Error {
    fn from(e: parquet::errors::ParquetError) -> Self {
        Error::Internal(format!("parquet: {e}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
