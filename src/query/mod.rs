//! The query side: output formats and read-only SQL.

pub mod adhoc;
pub mod format;
