//! `newsdb serve`: a read-only web interface over the store, built into the binary.
//!
//! **Read-only by construction.** Pages read through a small pool of read-only stores, opened
//! the way `newsdb query` opens one (read-only connection and `query_only`), so no page can
//! write whatever it is asked. Every route answers GET (and HEAD); any other method gets 405.
//! Readers run on tokio's blocking threads, so a slow query never stalls the others; WAL lets
//! them keep answering while an import writes from another process.
//!
//! **Safe output.** Templates (maud) escape everything they are given; a stored URL becomes a
//! link only when it is http or https; a Content-Security-Policy allows scripts, styles and
//! images from this server only, and no inline script. Assets are embedded in the binary.
//!
//! **Bounded.** Listings are paginated, the SQL page shows at most [`sql_page::SQL_PAGE_ROWS`]
//! rows and downloads at most [`sql_page::SQL_DOWNLOAD_ROWS`], request bodies are refused past a
//! few kilobytes, and ad-hoc SQL runs under the same time limit as `newsdb query`.

mod cache;
mod chart;
mod pages;
mod pool;
mod routes;
mod sql_page;
mod store;
pub mod text;
mod views;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::backend::DatabaseLocation;
use crate::store::{OpenOptions, StoreError};

pub use pool::ReadPool;

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub db: PathBuf,
    pub busy_timeout: Duration,
    /// The address to bind, `127.0.0.1` by default.
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// The time limit of the SQL page's queries, `None` for none.
    pub query_timeout: Option<Duration>,
    /// Read-only connections kept open at most.
    pub connections: usize,
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: io::Error,
    },
    #[error("the web server failed: {0}")]
    Io(#[from] io::Error),
}

/// Opens the database read-only (failing early, before binding, when it cannot be read), binds
/// the address, calls `listening` with the address actually bound, and serves until SIGTERM or
/// SIGINT.
pub fn serve(options: &ServeOptions, listening: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let open = OpenOptions {
        busy_timeout: options.busy_timeout,
        read_only: true,
    };
    let location = DatabaseLocation::parse(&options.db);
    let first = store::WebStore::open(&location, &open)?;
    let pool = Arc::new(ReadPool::new(
        location,
        open,
        options.connections.max(1),
        first,
    ));
    // Two workers answer the sockets; the queries run on the blocking pool.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(options.connections.max(1) + 2)
        .enable_io()
        .enable_time()
        .build()?;
    runtime.block_on(async move {
        let address = SocketAddr::new(options.host, options.port);
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|source| ServeError::Bind { address, source })?;
        listening(listener.local_addr()?);
        let app = routes::router(routes::AppState {
            pool,
            query_timeout: options.query_timeout,
            entity_pages: Arc::default(),
            search_pages: Arc::default(),
            article_facts: Arc::default(),
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(stop_signal())
            .await?;
        Ok(())
    })
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn stop_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
