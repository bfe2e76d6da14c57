//! The one normaliser: every format's raw items become [`Article`]s through here.

pub mod article;
pub mod boilerplate;
pub mod credits;
pub mod date;
pub mod hash;
pub mod keys;
pub mod text;
pub mod url;

pub use article::{Article, Person, SourceName, UrlKind};
pub use hash::{ContentHash, HASH_SCHEME};
