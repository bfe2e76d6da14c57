//! newsdb: a SQLite-backed article database.
//!
//! The importer reads feeds, JSON and JSON Lines dumps, saved web pages and scraped text
//! ([`import`]), normalises each item into an [`normalize::Article`] with a content hash, and hands
//! it to the [`Store`], the one owner of the database connection. Queries go through the same
//! store, read-only unless asked otherwise ([`query`]).

pub mod destination;
pub mod entities;
pub mod fetch;
pub mod html_guard;
pub mod import;
pub mod item;
pub mod normalize;
pub mod opml;
pub mod query;
pub mod raw_codec;
pub mod store;

pub use store::Store;
