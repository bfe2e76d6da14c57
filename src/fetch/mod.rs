//! HTTP: the one client behind `newsdb import URL` and `newsdb fetch`. It only fetches: what is
//! done with a body (parsing, importing, recording a poll) is the pipeline's job.
//!
//! ureq 3, blocking, TLS by rustls (no OpenSSL to install or link). One [`Client`] serves a whole
//! run, with one agent (and so one connection pool) per [`AddressClass`]. Politeness and guards,
//! in one place:
//!
//! - a `User-Agent` naming newsdb and its version, and an `Accept` that prefers feeds;
//! - conditional requests: the ETag and Last-Modified of the previous poll go back as
//!   `If-None-Match` and `If-Modified-Since`, so an unchanged feed costs a 304 and no body;
//! - a connect timeout and an overall deadline that covers redirects and the body;
//! - a size cap on the (decompressed) body: a feed is read whole by its parser, so an endless or
//!   huge response must stop here, not in memory;
//! - gzip accepted and inflated by ureq; a body that is still gzip (a `.gz` file, or gzip served
//!   without `Content-Encoding`) is inflated here, under the same cap, so that nothing fetched
//!   reaches the importer compressed (which would inflate it up to its much larger file limit);
//! - a redirect never leads to a link-local or metadata address, nor from a public address to a
//!   private one, judged on the resolved addresses before connecting (see [`address`]);
//! - a kept-alive connection the server closed just as it was reused (the request fails with
//!   "connection reset") is retried once, on a fresh connection.
//!
//! Redirects are followed here rather than by ureq, because the feeds table needs to know whether
//! every hop was permanent (301/308): only then does the subscription move to the new URL. A
//! temporary redirect (302/303/307) anywhere on the way keeps the subscribed URL.

pub mod address;

use std::io::{self, Read};
use std::time::{Duration, Instant};

use ureq::unversioned::transport::DefaultConnector;
use url::{Host, Url};

use crate::normalize::url::without_credentials;
use address::{AddressClass, ClassResolver, Refusal};

/// The User-Agent sent with every request.
pub const USER_AGENT: &str = concat!("newsdb/", env!("CARGO_PKG_VERSION"));

/// Feeds first, then anything (a URL given to `import` may be a page or a JSON dump).
const ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
                      application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, \
                      text/html;q=0.7, */*;q=0.5";

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 10;

/// The first bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Gzip layers inflated in a body (beyond ureq's `Content-Encoding`) before giving up: a `.gz`
/// file gzipped again in transit is two; more is an attack (a gzip quine inflates to itself).
const MAX_GZIP_LAYERS: usize = 2;

/// Timeouts and limits of a [`Client`].
#[derive(Clone, Copy, Debug)]
pub struct ClientOptions {
    /// Time to establish a connection (DNS, TCP, TLS).
    pub connect_timeout: Duration,
    /// Time for the whole request: redirects, headers and body.
    pub timeout: Duration,
    /// Largest body read, after decompression.
    pub max_bytes: u64,
}

impl Default for ClientOptions {
    fn default() -> ClientOptions {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_bytes: 16 << 20,
        }
    }
}

impl ClientOptions {
    /// Options with an overall timeout of `timeout`; the connect timeout is at most that.
    pub fn with_timeout(timeout: Duration) -> ClientOptions {
        let defaults = ClientOptions::default();
        ClientOptions {
            connect_timeout: defaults.connect_timeout.min(timeout),
            timeout,
            ..defaults
        }
    }
}

/// Validators from the previous response, sent back so an unchanged resource answers 304.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conditional {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A successful response: 2xx with its body, or 304 Not Modified without one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// The URL finally answered, after redirects.
    pub url: String,
    /// Set when the request was redirected and every redirect was permanent (301/308): where the
    /// resource now lives.
    pub moved_to: Option<String>,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn is_not_modified(&self) -> bool {
        self.status == 304
    }
}

/// Why a request gave no usable response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("not an http or https URL: {0}")]
    InvalidUrl(String),
    #[error("HTTP {status}{}", if reason.is_empty() { String::new() } else { format!(" {reason}") })]
    Status { status: u16, reason: String },
    #[error("timed out after {} s", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("response larger than {}", size(*.0))]
    TooLarge(u64),
    #[error("response larger than {} once decompressed", size(*.0))]
    InflatedTooLarge(u64),
    #[error("cannot decompress the gzip body: {0}")]
    BadGzip(String),
    #[error("redirect {0}")]
    BadRedirect(String),
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    /// A redirect to an address it may not lead to (link-local, or private from public).
    #[error("redirect to {to} refused: {reason}")]
    RedirectRefused { to: String, reason: String },
    /// A host name that resolves to a link-local or metadata address.
    #[error("refused: the host name resolves to {0}; name the address itself to request it")]
    NameRefused(String),
    /// The host resolved to another class of address when connecting than when it was checked.
    #[error("refused: {0}, which the host did not resolve to when it was checked")]
    AddressChanged(String),
    #[error("{0}")]
    Transport(String),
}

impl FetchError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A blocking HTTP client with newsdb's settings; cheap to share by reference across a run.
#[derive(Debug)]
pub struct Client {
    config: ureq::config::Config,
    /// One agent per address class, each connecting only to addresses of its class (link-local
    /// only for a URL the caller named).
    public: ureq::Agent,
    private: ureq::Agent,
    link_local: ureq::Agent,
    options: ClientOptions,
}

impl Default for Client {
    fn default() -> Client {
        Client::new(ClientOptions::default())
    }
}

impl Client {
    pub fn new(options: ClientOptions) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(USER_AGENT)
            .timeout_connect(Some(options.connect_timeout))
            .build();
        Client {
            public: agent(&config, AddressClass::Public),
            private: agent(&config, AddressClass::Private),
            link_local: agent(&config, AddressClass::LinkLocal),
            config,
            options,
        }
    }

    /// GETs `url`, following redirects, with the validators of `conditional`.
    pub fn get(&self, url: &str, conditional: &Conditional) -> Result<Response, FetchError> {
        let mut current = parse_http_url(url).ok_or_else(|| FetchError::InvalidUrl(url.into()))?;
        let deadline = Instant::now() + self.options.timeout;
        let mut moved_to: Option<Url> = None;
        let mut all_permanent = true;
        // The class of the previous hop's host: None for the URL the caller named.
        let mut redirected_from: Option<AddressClass> = None;
        for _ in 0..=MAX_REDIRECTS {
            let class = self.address_class(&current, redirected_from, deadline)?;
            let mut response = self.call(class, &current, conditional, deadline)?;
            let status = response.status();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned)
            };
            if status.is_redirection() && status.as_u16() != 304 {
                let location = header("location").ok_or_else(|| {
                    FetchError::BadRedirect(format!("{} without a Location", status.as_u16()))
                })?;
                let next = current
                    .join(&location)
                    .ok()
                    .filter(|next| matches!(next.scheme(), "http" | "https"))
                    .ok_or_else(|| {
                        FetchError::BadRedirect(format!(
                            "to an invalid URL: {}",
                            without_credentials(&location)
                        ))
                    })?;
                all_permanent &= matches!(status.as_u16(), 301 | 308);
                if all_permanent {
                    moved_to = Some(next.clone());
                }
                current = next;
                redirected_from = Some(class);
                continue;
            }
            if !(status.is_success() || status.as_u16() == 304) {
                return Err(FetchError::Status {
                    status: status.as_u16(),
                    reason: status.canonical_reason().unwrap_or("").to_owned(),
                });
            }
            let mut fetched = Response {
                status: status.as_u16(),
                url: current.to_string(),
                moved_to: moved_to.map(String::from),
                content_type: header("content-type"),
                etag: header("etag"),
                last_modified: header("last-modified"),
                body: Vec::new(),
            };
            if !fetched.is_not_modified() {
                fetched.body = response
                    .body_mut()
                    .with_config()
                    .limit(self.options.max_bytes)
                    .read_to_vec()
                    .map_err(|error| self.error(error))?;
                fetched.body = inflate_gzip(fetched.body, self.options.max_bytes)?;
            }
            return Ok(fetched);
        }
        Err(FetchError::TooManyRedirects)
    }

    /// The class of `url`'s host, from its resolved addresses; refused when it is a redirect
    /// (from a host of class `redirected_from`) that may not lead there.
    fn address_class(
        &self,
        url: &Url,
        redirected_from: Option<AddressClass>,
        deadline: Instant,
    ) -> Result<AddressClass, FetchError> {
        let remaining = self.remaining(deadline)?;
        let addresses = match address::lookup(url, remaining.min(self.options.connect_timeout)) {
            Ok(addresses) if !addresses.is_empty() => addresses,
            // Through a proxy, a host may resolve only on the proxy's side; it does the lookup.
            _ if self.config.proxy().is_some() => return Ok(AddressClass::Public),
            Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                return Err(FetchError::Timeout(self.options.timeout));
            }
            _ => return Err(FetchError::Transport("host not found".into())),
        };
        let class = AddressClass::of_all(addresses.iter().copied()).unwrap_or(AddressClass::Public);
        let allowed = match redirected_from {
            Some(from) => address::redirect_allowed(from, class),
            None => address::named_allowed(class, !matches!(url.host(), Some(Host::Domain(_)))),
        };
        if allowed {
            return Ok(class);
        }
        let address = addresses
            .into_iter()
            .find(|address| address::classify(*address) == class)
            .expect("the class comes from one of the addresses");
        Err(match redirected_from {
            Some(_) => FetchError::RedirectRefused {
                to: without_credentials(url.as_str()).into_owned(),
                reason: Refusal { address, class }.to_string(),
            },
            None => FetchError::NameRefused(format!("{address}, {}", class.describe())),
        })
    }

    /// Sends the GET through the agent of `class`. A kept-alive connection that the server closed
    /// just as it was reused fails at once with a reset: the request then goes once more, on a
    /// fresh connection (a new agent, so nothing idle in the pool can be picked again).
    fn call(
        &self,
        class: AddressClass,
        url: &Url,
        conditional: &Conditional,
        deadline: Instant,
    ) -> Result<ureq::http::Response<ureq::Body>, FetchError> {
        let pooled = match class {
            AddressClass::Public => &self.public,
            AddressClass::Private => &self.private,
            AddressClass::LinkLocal => &self.link_local,
        };
        match self.request(pooled, url, conditional, deadline)?.call() {
            Err(ureq::Error::Io(error)) if is_dropped_connection(&error) => {
                let fresh = agent(&self.config, class);
                self.request(&fresh, url, conditional, deadline)?
                    .call()
                    .map_err(|error| self.error(error))
            }
            result => result.map_err(|error| self.error(error)),
        }
    }

    fn request(
        &self,
        agent: &ureq::Agent,
        url: &Url,
        conditional: &Conditional,
        deadline: Instant,
    ) -> Result<ureq::RequestBuilder<ureq::typestate::WithoutBody>, FetchError> {
        let mut request = agent
            .get(url.as_str())
            .config()
            .timeout_global(Some(self.remaining(deadline)?))
            .build()
            .header("Accept", ACCEPT);
        if let Some(etag) = &conditional.etag {
            request = request.header("If-None-Match", etag);
        }
        if let Some(last_modified) = &conditional.last_modified {
            request = request.header("If-Modified-Since", last_modified);
        }
        Ok(request)
    }

    /// Time left before `deadline`; a timeout once it has passed.
    fn remaining(&self, deadline: Instant) -> Result<Duration, FetchError> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(FetchError::Timeout(self.options.timeout));
        }
        Ok(remaining)
    }

    fn error(&self, error: ureq::Error) -> FetchError {
        match error {
            ureq::Error::Timeout(_) => FetchError::Timeout(self.options.timeout),
            ureq::Error::BodyExceedsLimit(limit) => FetchError::TooLarge(limit),
            ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => {
                FetchError::Timeout(self.options.timeout)
            }
            ureq::Error::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<Refusal>()) => {
                FetchError::AddressChanged(
                    io.into_inner()
                        .map(|inner| inner.to_string())
                        .unwrap_or_default(),
                )
            }
            ureq::Error::HostNotFound => FetchError::Transport("host not found".into()),
            ureq::Error::ConnectionFailed => FetchError::Transport("connection failed".into()),
            other => FetchError::Transport(other.to_string()),
        }
    }
}

/// An agent with newsdb's settings that connects only to addresses of `class`.
fn agent(config: &ureq::config::Config, class: AddressClass) -> ureq::Agent {
    ureq::Agent::with_parts(
        config.clone(),
        DefaultConnector::default(),
        ClassResolver::new(class),
    )
}

/// Whether an I/O error is a connection the server dropped (reset, closed before answering).
fn is_dropped_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

/// `body` with the gzip layers left on it inflated, at most `max_bytes` in the end.
fn inflate_gzip(mut body: Vec<u8>, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
    for _ in 0..MAX_GZIP_LAYERS {
        if !body.starts_with(&GZIP_MAGIC) {
            return Ok(body);
        }
        let mut inflated = Vec::new();
        flate2::read::MultiGzDecoder::new(body.as_slice())
            .take(max_bytes.saturating_add(1))
            .read_to_end(&mut inflated)
            .map_err(|error| FetchError::BadGzip(error.to_string()))?;
        if inflated.len() as u64 > max_bytes {
            return Err(FetchError::InflatedTooLarge(max_bytes));
        }
        body = inflated;
    }
    if body.starts_with(&GZIP_MAGIC) {
        return Err(FetchError::BadGzip(format!(
            "compressed more than {MAX_GZIP_LAYERS} times"
        )));
    }
    Ok(body)
}

/// A byte count as people write it: `16 MiB`, or `1500 bytes` below a MiB or off the MiB.
fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// `raw` as an absolute http(s) URL with a host, fragment dropped; None otherwise.
fn parse_http_url(raw: &str) -> Option<Url> {
    let mut url = Url::parse(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

/// The form a feed URL is stored and looked up in: parsed (scheme and host lowercase, default
/// port dropped), fragment removed, the rest as given. None for anything but http(s) with a host.
pub fn feed_url(raw: &str) -> Option<String> {
    parse_http_url(raw).map(String::from)
}

/// Whether a command-line argument names a URL rather than a file.
pub fn is_url(arg: &str) -> bool {
    let lower = arg.get(..8).unwrap_or(arg).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_urls_are_parsed_and_checked() {
        assert_eq!(
            feed_url("HTTPS://Example.COM:443/feed.xml#top").as_deref(),
            Some("https://example.com/feed.xml")
        );
        assert_eq!(feed_url("ftp://example.com/feed"), None);
        assert_eq!(feed_url("example.com/feed"), None);
        assert_eq!(feed_url("http://"), None);
    }

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_url("http://127.0.0.1:8080/a"));
        assert!(is_url("HTTPS://example.com"));
        assert!(!is_url("feeds/http.xml"));
        assert!(!is_url("-"));
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_layers_are_inflated_under_the_cap() {
        let text = b"plain text".to_vec();
        assert_eq!(inflate_gzip(text.clone(), 10), Ok(text.clone()));
        assert_eq!(inflate_gzip(gzip(&text), 10), Ok(text.clone()));
        // Every layer is capped, the intermediate one too (here 30 bytes).
        assert_eq!(inflate_gzip(gzip(&gzip(&text)), 64), Ok(text.clone()));
        assert_eq!(
            inflate_gzip(gzip(&gzip(&text)), 10),
            Err(FetchError::InflatedTooLarge(10))
        );
        assert_eq!(
            inflate_gzip(gzip(&text), 9),
            Err(FetchError::InflatedTooLarge(9))
        );
        // The cap holds for the inner layer too.
        assert_eq!(
            inflate_gzip(gzip(&gzip(&[0; 4096])), 1024),
            Err(FetchError::InflatedTooLarge(1024))
        );
        assert_eq!(
            inflate_gzip(gzip(&gzip(&gzip(&text))), 1024),
            Err(FetchError::BadGzip("compressed more than 2 times".into()))
        );
        assert!(matches!(
            inflate_gzip(vec![0x1f, 0x8b, 0, 1, 2], 1024),
            Err(FetchError::BadGzip(_))
        ));
    }

    #[test]
    fn errors_read_well() {
        let status = FetchError::Status {
            status: 500,
            reason: "Internal Server Error".into(),
        };
        assert_eq!(status.to_string(), "HTTP 500 Internal Server Error");
        assert_eq!(
            FetchError::TooLarge(16 << 20).to_string(),
            "response larger than 16 MiB"
        );
        assert_eq!(
            FetchError::Timeout(Duration::from_secs(2)).to_string(),
            "timed out after 2 s"
        );
        assert_eq!(
            FetchError::NameRefused("169.254.169.254, a link-local address".into()).to_string(),
            "refused: the host name resolves to 169.254.169.254, a link-local address; \
             name the address itself to request it"
        );
    }
}
