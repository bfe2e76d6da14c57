//! newsdb: a SQLite-backed article database.
//!
//! The importer reads feeds, JSON and JSON Lines dumps, saved web pages and scraped text
//! ([`import`]), normalises each item into an [`normalize::Article`] with a content hash, and hands
//! it to the [`Store`], the one owner of the database connection. Queries go through the same
//! store, read-only unless asked otherwise ([`query`]).
//!
//! From another Rust program: [`Store::open`], then [`pipeline::run`] to import with the
//! same normalisation and dedup as `newsdb import`, and [`Store::connection`] for SQL through the
//! re-exported [`rusqlite`]. The example on [`Store`] is compiled and run as a dependent crate
//! would write it.

pub mod backend;
pub mod destination;
pub mod entities;
pub mod fetch;
pub mod html_guard;
pub mod import;
pub mod item;
pub mod normalize;
pub mod opml;
pub mod pipeline;
pub mod query;
pub mod raw_codec;
pub mod serve;
pub mod store;
pub mod stories;

pub use store::{OpenOptions, Store};

/// The SQLite bindings newsdb is built on, re-exported so that a dependent crate uses the same
/// version as [`Store::connection`] without adding `rusqlite` itself: `newsdb::rusqlite::params!`.
pub use rusqlite;
