//! A small WebDriver client for the browser test: chromedriver on a loopback port, one headless
//! Chromium session per `Session`, spoken to in plain JSON over HTTP (W3C WebDriver plus the few
//! chromedriver extensions the test needs: the browser log and DevTools commands).
//!
//! Both guards clean up on drop, also when a test panics: `Session` ends the session (Chromium
//! quits), `Chromedriver` kills the driver's whole process group.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key WebDriver uses for element references in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where the browser and its driver are: `$NEWSDB_CHROMIUM` and `$NEWSDB_CHROMEDRIVER`, else
/// Debian's `chromium` and `chromium-driver` packages.
pub struct BrowserPaths {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

impl BrowserPaths {
    pub fn from_env() -> BrowserPaths {
        let path = |variable: &str, default: &str| {
            std::env::var_os(variable)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(default))
        };
        BrowserPaths {
            chromium: path("NEWSDB_CHROMIUM", "/usr/bin/chromium"),
            chromedriver: path("NEWSDB_CHROMEDRIVER", "/usr/bin/chromedriver"),
        }
    }

    /// The paths that do not exist, for a skip or failure message.
    pub fn missing(&self) -> Vec<&Path> {
        [self.chromium.as_path(), self.chromedriver.as_path()]
            .into_iter()
            .filter(|path| !path.exists())
            .collect()
    }
}

/// An error answer from the driver: WebDriver's error code and message.
#[derive(Debug)]
pub struct WebDriverError {
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.message)
    }
}

/// A running chromedriver on a free loopback port; killed with its process group on drop.
pub struct Chromedriver {
    child: Child,
    pub url: String,
}

impl Chromedriver {
    pub fn start(chromedriver: &Path, log: &Path) -> Chromedriver {
        let mut child = Command::new(chromedriver)
            .args(["--port=0", "--allowed-ips=127.0.0.1"])
            .arg(format!("--log-path={}", log.display()))
            // Its own process group, so that the drop can end Chromium's processes too.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("start {}: {error}", chromedriver.display()));
        let stdout = child.stdout.take().expect("chromedriver's stdout");
        let mut driver = Chromedriver {
            child,
            url: String::new(),
        };
        // "ChromeDriver was started successfully on port 38293."
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("read chromedriver's stdout");
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                let port: u16 = rest
                    .trim_end_matches('.')
                    .trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("chromedriver's port in {line:?}"));
                driver.url = format!("http://127.0.0.1:{port}");
                return driver;
            }
        }
        panic!("chromedriver exited before saying which port it listens on");
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session; ended on drop, which makes chromedriver quit Chromium.
pub struct Session {
    agent: ureq::Agent,
    base: String,
}

/// An element found on the current page.
#[derive(Clone, Debug)]
pub struct Element {
    id: String,
}

impl Session {
    /// A new session with these W3C `alwaysMatch` capabilities.
    pub fn new(driver: &Chromedriver, capabilities: Value) -> Session {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            // The driver is on loopback: no proxy from the environment, and its error answers
            // (4xx, 5xx) carry the JSON this client reads.
            .proxy(None)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let body = json!({ "capabilities": { "alwaysMatch": capabilities } });
        let answer = send(
            &agent,
            "POST",
            &format!("{}/session", driver.url),
            Some(&body),
        )
        .unwrap_or_else(|error| panic!("start a browser session: {error}"));
        let id = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no sessionId in {answer}"));
        Session {
            base: format!("{}/session/{id}", driver.url),
            agent,
        }
    }

    /// One WebDriver command on this session: `path` is relative to `/session/ID`.
    pub fn command(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, WebDriverError> {
        send(&self.agent, method, &format!("{}{path}", self.base), body)
    }

    fn must(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        self.command(method, path, body)
            .unwrap_or_else(|error| panic!("WebDriver {method} {path}: {error}"))
    }

    pub fn goto(&self, url: &str) {
        self.must("POST", "/url", Some(&json!({ "url": url })));
    }

    pub fn current_url(&self) -> String {
        self.must("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn title(&self) -> String {
        self.must("GET", "/title", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn page_source(&self) -> String {
        self.must("GET", "/source", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Every element matching a CSS selector on the page.
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        elements(&self.must("POST", "/elements", Some(&by_css(css))))
    }

    /// The first element matching a CSS selector; panics, naming the page, when there is none.
    pub fn find(&self, css: &str) -> Element {
        self.find_all(css).into_iter().next().unwrap_or_else(|| {
            panic!(
                "no element matches {css:?} on {} ({:?})",
                self.current_url(),
                self.title()
            )
        })
    }

    /// Every element matching a CSS selector inside `parent`.
    pub fn find_within(&self, parent: &Element, css: &str) -> Vec<Element> {
        let path = format!("/element/{}/elements", parent.id);
        elements(&self.must("POST", &path, Some(&by_css(css))))
    }

    pub fn click(&self, element: &Element) {
        let path = format!("/element/{}/click", element.id);
        self.must("POST", &path, Some(&json!({})));
    }

    pub fn clear(&self, element: &Element) {
        let path = format!("/element/{}/clear", element.id);
        self.must("POST", &path, Some(&json!({})));
    }

    /// Types `text` into the element, as keystrokes (`"\u{E007}"` is Enter).
    pub fn send_keys(&self, element: &Element, text: &str) {
        let path = format!("/element/{}/value", element.id);
        self.must("POST", &path, Some(&json!({ "text": text })));
    }

    /// Presses these keys in turn on whatever has the focus, as a keyboard user would
    /// (`"\u{E004}"` is Tab, `"\u{E007}"` Enter).
    pub fn press_keys(&self, keys: &str) {
        let strokes: Vec<Value> = keys
            .chars()
            .flat_map(|key| {
                let key = key.to_string();
                [
                    json!({ "type": "keyDown", "value": key }),
                    json!({ "type": "keyUp", "value": key }),
                ]
            })
            .collect();
        let actions = json!({
            "actions": [{ "type": "key", "id": "keyboard", "actions": strokes }]
        });
        self.must("POST", "/actions", Some(&actions));
    }

    /// The element's rendered text.
    pub fn text(&self, element: &Element) -> String {
        let path = format!("/element/{}/text", element.id);
        self.must("GET", &path, None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// An attribute as written in the markup, None when absent.
    pub fn attribute(&self, element: &Element, name: &str) -> Option<String> {
        let path = format!("/element/{}/attribute/{name}", element.id);
        self.must("GET", &path, None).as_str().map(str::to_string)
    }

    /// A DOM property (`href` gives the resolved URL), as JSON.
    pub fn property(&self, element: &Element, name: &str) -> Value {
        let path = format!("/element/{}/property/{name}", element.id);
        self.must("GET", &path, None)
    }

    /// Runs a script in the page (through the driver, which the page's CSP does not govern).
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.must(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// An element as an argument for `execute`.
    pub fn argument(element: &Element) -> Value {
        json!({ ELEMENT_KEY: element.id })
    }

    /// Waits until the page has finished loading (after a click or a submit). A dialog the
    /// page opened meanwhile is a failure, named as such.
    pub fn wait_loaded(&self) {
        self.wait_until("the page to load", || {
            let state = self.command(
                "POST",
                "/execute/sync",
                Some(&json!({ "script": "return document.readyState", "args": [] })),
            );
            match state {
                Ok(state) => state == "complete",
                Err(error) if error.error == "unexpected alert open" => {
                    panic!("the page opened a dialog: {}", error.message)
                }
                Err(_) => false,
            }
        });
    }

    /// Polls `ready` until it holds; panics after 10 s naming what it waited for.
    pub fn wait_until(&self, what: &str, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ready() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The text of an open alert, confirm or prompt dialog, None when there is none.
    pub fn alert_text(&self) -> Option<String> {
        match self.command("GET", "/alert/text", None) {
            Ok(text) => Some(text.as_str().unwrap_or_default().to_string()),
            Err(error) if error.error == "no such alert" => None,
            Err(error) => panic!("WebDriver GET /alert/text: {error}"),
        }
    }

    /// The browser console entries since the last call (chromedriver's `goog:loggingPrefs`).
    pub fn browser_log(&self) -> Vec<LogEntry> {
        let entries = self.must("POST", "/se/log", Some(&json!({ "type": "browser" })));
        entries
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|entry| LogEntry {
                        level: entry["level"].as_str().unwrap_or_default().to_string(),
                        message: entry["message"].as_str().unwrap_or_default().to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A Chrome DevTools Protocol command, through chromedriver.
    pub fn devtools(&self, command: &str, params: Value) -> Value {
        self.must(
            "POST",
            "/goog/cdp/execute",
            Some(&json!({ "cmd": command, "params": params })),
        )
    }

    /// Sets the outer window size (in headless Chromium, the viewport).
    pub fn set_window_size(&self, width: u32, height: u32) {
        self.must(
            "POST",
            "/window/rect",
            Some(&json!({ "width": width, "height": height })),
        );
    }

    /// Saves a PNG of the viewport.
    pub fn screenshot(&self, path: &Path) {
        let encoded = self.must("GET", "/screenshot", None);
        let png = decode_base64(encoded.as_str().unwrap_or_default());
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, png).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = send(&self.agent, "DELETE", &self.base, None);
    }
}

/// One browser console entry.
#[derive(Debug)]
pub struct LogEntry {
    pub level: String,
    pub message: String,
}

fn by_css(css: &str) -> Value {
    json!({ "using": "css selector", "value": css })
}

fn elements(answer: &Value) -> Vec<Element> {
    answer
        .as_array()
        .map(|found| {
            found
                .iter()
                .filter_map(|element| element[ELEMENT_KEY].as_str())
                .map(|id| Element { id: id.to_string() })
                .collect()
        })
        .unwrap_or_default()
}

/// Sends one command and returns its `value`, or the driver's error.
fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> Result<Value, WebDriverError> {
    let transport = |error: ureq::Error| WebDriverError {
        error: "transport".to_string(),
        message: format!("{method} {url}: {error}"),
    };
    let mut response = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        (_, body) => agent
            .post(url)
            .header("content-type", "application/json")
            .send(body.unwrap_or(&json!({})).to_string()),
    }
    .map_err(transport)?;
    let status = response.status();
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(transport)?;
    let answer: Value = serde_json::from_str(&text).map_err(|error| WebDriverError {
        error: "bad answer".to_string(),
        message: format!("{method} {url} ({status}): {error}: {text:.300}"),
    })?;
    let value = answer.get("value").cloned().unwrap_or(Value::Null);
    match value.get("error").and_then(Value::as_str) {
        Some(error) if !status.is_success() => Err(WebDriverError {
            error: error.to_string(),
            message: value["message"].as_str().unwrap_or_default().to_string(),
        }),
        _ => Ok(value),
    }
}

/// Standard base64 (the screenshot encoding), without pulling a crate in for it.
fn decode_base64(text: &str) -> Vec<u8> {
    let sextet = |byte: u8| match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {:?}", byte as char),
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace() && *byte != b'=')
        .map(sextet)
        .collect();
    let mut bytes = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut group = 0u32;
        for (index, digit) in chunk.iter().enumerate() {
            group |= u32::from(*digit) << (18 - 6 * index);
        }
        let [_, first, second, third] = group.to_be_bytes();
        bytes.extend_from_slice(&[first, second, third][..chunk.len().saturating_sub(1)]);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn base64_decodes_every_padding() {
        assert_eq!(decode_base64("TWFu"), b"Man");
        assert_eq!(decode_base64("TWE="), b"Ma");
        assert_eq!(decode_base64("TQ=="), b"M");
        assert_eq!(decode_base64(""), b"");
    }
}
