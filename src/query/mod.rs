//! The query side: output formats and read-only SQL.

pub mod format;
