//! The query side: output formats, read-only SQL, canned and saved queries, search.

pub mod adhoc;
pub mod canned;
pub mod format;
pub mod layout;
pub mod saved;
pub mod search;
pub mod show;
