//! `newsdb serve` in a real browser (issue 16, items 5 and 6): headless Chromium driven over
//! WebDriver through the pages a person uses (home, search, article, entity, SQL with a CSV
//! download), with the XSS fixtures kept inert, a clean console, JavaScript off, and screenshots
//! of each page in `target/browser-screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them; `$NEWSDB_CHROMIUM`
//! and `$NEWSDB_CHROMEDRIVER` point elsewhere). Without them the test says SKIPPED and passes,
//! unless `CI` is set, where it fails. `NEWSDB_UPDATE_SCREENSHOTS=1` also copies the README's two
//! screenshots into `docs/screenshots/` (then shrink them: `pngquant --quality 80-95 --speed 1
//! --force --ext .png docs/screenshots/*.png`).

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{MissingCorpus, TestDb, missing_corpus_rule, sample};
use serde_json::{Value, json};
use webdriver::{BrowserPaths, Chromedriver, Session};

/// The title, entity name and URL that would run script if a page pasted them in unescaped.
const XSS_TITLE: &str = "<script>alert(1)</script>";
const XSS_ENTITY: &str = "\"><img src=x onerror=alert(1)>";
const XSS_URL: &str = "javascript:alert(1)";

/// The word the test searches for: a topic of every sixth generated article.
const SEARCH_WORD: &str = "lighthouse";
/// The generated people, found by the extractor from the gazetteers' given names and surnames.
const PEOPLE: [&str; 6] = [
    "Helen Carter",
    "Walter Brooks",
    "Diana Foster",
    "Marcus Bell",
    "Irene Walsh",
    "Oscar Reyes",
];
/// A seventh person, in a few articles only, whose entity the test renames to `XSS_ENTITY`.
const XSS_PERSON: &str = "Nadia Quinn";
const PLACES: [&str; 5] = ["Boston", "Seattle", "Phoenix", "Portland", "Lisbon"];
const TOPICS: [&str; 6] = [
    SEARCH_WORD,
    "ferry terminal",
    "library",
    "tram line",
    "harbour wall",
    "sports hall",
];
const OUTLETS: [&str; 3] = ["Coastline Courier", "Valley Ledger", "Metro Dispatch"];

#[test]
fn serve_works_in_headless_chromium() {
    let paths = BrowserPaths::from_env();
    let missing = paths.missing();
    if !missing.is_empty() {
        let missing = missing
            .iter()
            .map(|path| path.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let ci = std::env::var("CI").ok();
        match missing_corpus_rule(ci.as_deref(), None) {
            MissingCorpus::Fail => panic!(
                "{missing} absent, and CI requires the browser test (.ci/run installs Debian's \
                 chromium and chromium-driver)"
            ),
            MissingCorpus::Skip => {
                // The real stderr: the harness would hide an eprintln! of a passing test.
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED serve_works_in_headless_chromium: {missing} absent (apt-get install \
                     chromium chromium-driver; CI=true makes this fail)"
                );
                return;
            }
        }
    }
    let started = Instant::now();
    let db = fixture_database();
    let fixture_built = started.elapsed();
    let server = Server::start(&db);
    let scratch = tempfile::tempdir().unwrap();
    let driver = Chromedriver::start(
        &paths.chromedriver,
        &scratch.path().join("chromedriver.log"),
    );
    let shots = screenshot_folder();

    let downloads = scratch.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let profile = |name: &str| scratch.path().join(name);
    let mut browser = Browser {
        session: Session::new(
            &driver,
            capabilities(&paths, &profile("profile"), &downloads, true),
        ),
        server: &server,
        shots: &shots,
        console_errors: Vec::new(),
    };
    browse_with_javascript(&mut browser, &db, &downloads);
    let console_errors = std::mem::take(&mut browser.console_errors);
    drop(browser);

    let mut without_js = Browser {
        session: Session::new(
            &driver,
            capabilities(&paths, &profile("profile-nojs"), &downloads, false),
        ),
        server: &server,
        shots: &shots,
        console_errors: Vec::new(),
    };
    browse_without_javascript(&mut without_js);
    let console_errors_without_js = std::mem::take(&mut without_js.console_errors);
    drop(without_js);

    assert!(
        console_errors.is_empty() && console_errors_without_js.is_empty(),
        "the browser console has errors:\n{}",
        console_errors
            .iter()
            .chain(&console_errors_without_js)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    if std::env::var_os("NEWSDB_UPDATE_SCREENSHOTS").is_some_and(|value| value == "1") {
        let docs = common::root().join("docs/screenshots");
        std::fs::create_dir_all(&docs).unwrap();
        for name in ["home.png", "article.png"] {
            std::fs::copy(shots.join(name), docs.join(name)).unwrap();
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "browser test: fixture {fixture_built:.1?}, whole test {:.1?}, screenshots in {}",
        started.elapsed(),
        shots.display()
    );
}

/// Session one, JavaScript on, at 1280x800: the path a person takes through the pages.
fn browse_with_javascript(browser: &mut Browser, db: &TestDb, downloads: &Path) {
    browser.laptop_viewport();

    // Home.
    browser.open("/");
    assert!(
        !browser.session.title().is_empty(),
        "the home page has no <title>"
    );
    browser.check_page("home");
    browser.screenshot("home.png");
    search_with_the_keyboard(browser);

    // Type a search into the home page's form and submit it with Enter.
    browser.open("/");
    let session = &browser.session;
    let query = session.find("form#search input#q");
    session.clear(&query);
    session.send_keys(&query, &format!("{SEARCH_WORD}\u{E007}"));
    session.wait_until("the search results", || {
        session.current_url().contains("/search")
    });
    session.wait_loaded();
    let results = session.find_all("a.result-title");
    assert!(!results.is_empty(), "no a.result-title for {SEARCH_WORD:?}");
    let highlights: Vec<String> = session
        .find_all("mark")
        .iter()
        .map(|mark| session.text(mark).to_lowercase())
        .collect();
    assert!(
        highlights.iter().any(|text| text == SEARCH_WORD),
        "no <mark>{SEARCH_WORD}</mark> in the results (marks: {highlights:?})"
    );
    browser.check_page("search");
    browser.screenshot("search.png");

    // Open the first result.
    let session = &browser.session;
    let first = session.find("a.result-title");
    session.click(&first);
    session.wait_until("the article page", || {
        session.current_url().contains("/articles/")
    });
    session.wait_loaded();
    let entities = session.find_all("a.entity");
    assert!(
        !entities.is_empty(),
        "the article {} links no entity (a.entity)",
        session.current_url()
    );
    browser.check_page("article");
    browser.screenshot("search-result.png");

    // Click an entity: its page has a chart with bars.
    let session = &browser.session;
    let entity = session.find("a.entity");
    session.click(&entity);
    session.wait_until("the entity page", || {
        session.current_url().contains("/entities/")
    });
    session.wait_loaded();
    let bars = session.find_all("svg.chart rect.bar");
    assert!(
        !bars.is_empty(),
        "the entity page {} has no svg.chart rect.bar",
        session.current_url()
    );
    browser.check_page("entity");
    browser.screenshot("entity.png");

    // The seed, read from three files: credits, sightings and many entities (the README's).
    let seed = db.count(
        "SELECT id FROM articles WHERE title LIKE 'Kim Jong Un reportedly en route to Russia%' \
         ORDER BY (SELECT count(*) FROM sightings WHERE article_id = articles.id) DESC LIMIT 1",
    );
    browser.open(&format!("/articles/{seed}"));
    let session = &browser.session;
    assert!(
        session.find_all("a.entity").len() >= 10,
        "the seed's page links fewer than 10 mentions"
    );
    browser.check_page("the seed article");
    browser.screenshot("article.png");
    browser.phone_screenshot("article-phone.png");

    // SQL: type a query, run it, see the table, download the CSV.
    browser.open("/sql");
    let session = &browser.session;
    let sql = "SELECT id, title FROM articles ORDER BY id LIMIT 5";
    let text = session.find("form#sql textarea#sql-text");
    session.clear(&text);
    session.send_keys(&text, sql);
    let submit = session.find(
        "form#sql button[type=submit], form#sql input[type=submit], form#sql button:not([type])",
    );
    session.click(&submit);
    session.wait_loaded();
    session.wait_until("the SQL results", || {
        !session.find_all("table.results tbody tr").is_empty()
    });
    let rows = session.find_all("table.results tbody tr");
    assert_eq!(rows.len(), 5, "{sql} shows {} rows", rows.len());
    let first_title = db.column("SELECT title FROM articles ORDER BY id LIMIT 1");
    let table = session.text(&session.find("table.results"));
    assert!(
        table.contains(&first_title[0]),
        "the results table lacks {:?}:\n{table}",
        first_title[0]
    );
    browser.check_page("sql");
    browser.screenshot("sql.png");

    let session = &browser.session;
    let json_link = session.find("a#download-json");
    let json_url = session.property(&json_link, "href");
    let json_rows = fetch_json(json_url.as_str().unwrap_or_default());
    assert!(
        holds_string(&json_rows, &first_title[0]),
        "the JSON download lacks the first title: {json_rows}"
    );
    let csv_link = session.find("a#download-csv");
    session.click(&csv_link);
    let csv = wait_for_download(downloads, "csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.first().copied(), Some("id,title"), "CSV:\n{csv}");
    assert_eq!(lines.len(), 6, "a header and 5 rows expected:\n{csv}");
    assert!(
        csv.contains(&first_title[0]),
        "CSV lacks the first title:\n{csv}"
    );
    browser.check_page("sql download");

    check_xss_fixtures(browser, db);

    // Phone width, and dark mode from the system setting.
    browser.open("/");
    browser.phone_screenshot("home-phone.png");
    let session = &browser.session;
    let light = background(session);
    session.devtools(
        "Emulation.setEmulatedMedia",
        json!({ "features": [{ "name": "prefers-color-scheme", "value": "dark" }] }),
    );
    let dark = background(session);
    browser.screenshot("home-dark.png");
    browser.session.devtools(
        "Emulation.setEmulatedMedia",
        json!({ "features": [{ "name": "prefers-color-scheme", "value": "light" }] }),
    );
    assert_ne!(
        light, dark,
        "the page background is {light} in light and dark mode alike"
    );
}

/// From the top of the home page, Tab shows where the focus is and reaches the search box; typing
/// and Enter search.
fn search_with_the_keyboard(browser: &Browser) {
    let session = &browser.session;
    let focused = |property: &str| {
        session.execute(
            &format!("return document.activeElement && document.activeElement.{property}"),
            vec![],
        )
    };
    session.press_keys("\u{E004}");
    let outline = session.execute(
        "const style = getComputedStyle(document.activeElement);
         return style.outlineStyle + ' ' + style.outlineWidth + ' / ' + style.boxShadow;",
        vec![],
    );
    let outline = outline.as_str().unwrap_or_default().to_string();
    assert!(
        !outline.starts_with("none") || !outline.ends_with("/ none"),
        "the first Tab focuses {} with no visible focus ring ({outline})",
        focused("outerHTML")
    );
    let mut tabs = 1;
    while focused("id") != "q" {
        assert!(
            tabs < 20,
            "20 Tabs from the top do not reach the search box"
        );
        session.press_keys("\u{E004}");
        tabs += 1;
    }
    session.press_keys(&format!("{SEARCH_WORD}\u{E007}"));
    session.wait_until("the search results by keyboard", || {
        session.current_url().contains("/search")
    });
    session.wait_loaded();
    assert!(
        !session.find_all("a.result-title").is_empty(),
        "a search typed with the keyboard found nothing"
    );
}

/// The XSS fixtures render as text: no dialog, no injected element, no `javascript:` link.
fn check_xss_fixtures(browser: &mut Browser, db: &TestDb) {
    // The script title, found by search and on its own page.
    browser.open("/search?q=alert");
    let session = &browser.session;
    let titles: Vec<String> = session
        .find_all("a.result-title")
        .iter()
        .map(|link| session.text(link))
        .collect();
    assert!(
        titles.iter().any(|title| title == XSS_TITLE),
        "searching 'alert' shows no result titled {XSS_TITLE:?} as text (titles: {titles:?})"
    );
    browser.check_page("search for the script title");
    let xss_article = db.count(&format!(
        "SELECT id FROM articles WHERE title = '{XSS_TITLE}'"
    ));
    browser.open(&format!("/articles/{xss_article}"));
    assert!(
        browser.page_text().contains(XSS_TITLE),
        "the article page does not show {XSS_TITLE:?} as text"
    );
    browser.check_page("the script-titled article");

    // The entity named like markup, on its page and on an article that mentions it.
    let xss_entity = db.count(&format!(
        "SELECT id FROM entities WHERE name = '{}'",
        XSS_ENTITY.replace('\'', "''")
    ));
    browser.open(&format!("/entities/{xss_entity}"));
    assert!(
        browser.page_text().contains(XSS_ENTITY),
        "the entity page does not show {XSS_ENTITY:?} as text"
    );
    browser.check_page("the markup-named entity");
    let mentioning = db.count(&format!(
        "SELECT min(article_id) FROM mentions WHERE entity_id = {xss_entity}"
    ));
    browser.open(&format!("/articles/{mentioning}"));
    browser.check_page("an article mentioning the markup-named entity");

    // The article whose URL is `javascript:alert(1)`.
    let javascript_article = db.count(&format!("SELECT id FROM articles WHERE url = '{XSS_URL}'"));
    browser.open(&format!("/articles/{javascript_article}"));
    browser.check_page("the article with a javascript: URL");
}

/// Session two, JavaScript off: the core pages still work with plain links and GET forms.
fn browse_without_javascript(browser: &mut Browser) {
    browser.laptop_viewport();
    let session = &browser.session;
    // Proof that page scripts do not run here: this page's script would set the title.
    session.goto("data:text/html,<title>off</title><script>document.title='on'</script>");
    assert_eq!(session.title(), "off", "JavaScript is not disabled");

    browser.open("/");
    let session = &browser.session;
    let query = session.find("form#search input#q");
    session.send_keys(&query, &format!("{SEARCH_WORD}\u{E007}"));
    session.wait_until("the search results without JavaScript", || {
        session.current_url().contains("/search")
    });
    session.wait_loaded();
    assert!(
        !session.find_all("mark").is_empty(),
        "no highlighted result without JavaScript"
    );
    let first = session.find("a.result-title");
    session.click(&first);
    session.wait_until("the article page without JavaScript", || {
        session.current_url().contains("/articles/")
    });
    session.wait_loaded();
    let entity = session.find("a.entity");
    session.click(&entity);
    session.wait_until("the entity page without JavaScript", || {
        session.current_url().contains("/entities/")
    });
    session.wait_loaded();
    assert!(
        !session.find_all("svg.chart rect.bar").is_empty(),
        "the entity chart needs JavaScript"
    );
    browser.check_page("entity without JavaScript");

    browser.open("/sql");
    let session = &browser.session;
    let text = session.find("form#sql textarea#sql-text");
    session.clear(&text);
    session.send_keys(&text, "SELECT count(*) AS articles FROM articles");
    let submit = session.find(
        "form#sql button[type=submit], form#sql input[type=submit], form#sql button:not([type])",
    );
    session.click(&submit);
    session.wait_loaded();
    session.wait_until("the SQL results without JavaScript", || {
        !session.find_all("table.results tbody tr").is_empty()
    });
    browser.check_page("sql without JavaScript");
    browser.screenshot("sql-nojs.png");
}

/// One browser session on the server, collecting console errors page by page.
struct Browser<'a> {
    session: Session,
    server: &'a Server,
    shots: &'a Path,
    console_errors: Vec<String>,
}

impl Browser<'_> {
    fn open(&self, path: &str) {
        self.session.goto(&format!(
            "{}{}",
            self.server.url,
            path.trim_start_matches('/')
        ));
        self.session.wait_loaded();
    }

    fn page_text(&self) -> String {
        self.session
            .execute("return document.body.innerText", vec![])
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// What must hold on every page: no dialog opened, nothing injected by the XSS fixtures, no
    /// `javascript:` link, a label on every form control, no stack trace; console errors are
    /// collected for the end.
    fn check_page(&mut self, page: &str) {
        let session = &self.session;
        let url = session.current_url();
        if let Some(text) = session.alert_text() {
            panic!("{page} ({url}) opened a dialog: {text:?}");
        }
        let found = session.execute(
            "const links = [...document.querySelectorAll('a[href]')]
                 .filter(a => a.protocol === 'javascript:').map(a => a.outerHTML);
             const images = [...document.querySelectorAll('img')]
                 .filter(img => img.getAttribute('src') === 'x' || img.hasAttribute('onerror'))
                 .map(img => img.outerHTML);
             const scripts = [...document.querySelectorAll('script')]
                 .filter(s => s.textContent.includes('alert(')).map(s => s.outerHTML);
             const handlers = [...document.querySelectorAll('*')]
                 .filter(e => [...e.attributes].some(a => a.name.startsWith('on')))
                 .map(e => e.outerHTML.slice(0, 200));
             const unlabelled = [...document.querySelectorAll('input, select, textarea')]
                 .filter(c => !['hidden', 'submit', 'button', 'reset', 'image'].includes(c.type))
                 .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')
                     && !c.getAttribute('aria-labelledby') && !c.title)
                 .map(c => c.outerHTML.slice(0, 200));
             return { links, images, scripts, handlers, unlabelled };",
            vec![],
        );
        for (kind, what) in [
            ("links", "a javascript: link"),
            ("images", "an injected <img>"),
            ("scripts", "a script with alert("),
            ("handlers", "an inline event handler"),
            ("unlabelled", "a form control without a label"),
        ] {
            let items = found[kind].as_array().cloned().unwrap_or_default();
            assert!(items.is_empty(), "{page} ({url}) has {what}: {items:?}");
        }
        let text = self.page_text();
        assert!(
            !text.contains("panicked at") && !text.contains("RUST_BACKTRACE"),
            "{page} ({url}) shows a panic:\n{text}"
        );
        for entry in session.browser_log() {
            if entry.level == "SEVERE" {
                self.console_errors
                    .push(format!("{page} ({url}): {}", entry.message));
            }
        }
    }

    fn screenshot(&self, name: &str) {
        self.session.screenshot(&self.shots.join(name));
    }

    /// A 1280x800 viewport (the window's size would include the frame headless Chromium
    /// still pretends to draw).
    fn laptop_viewport(&self) {
        self.session.devtools(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false }),
        );
    }

    /// A screenshot at a phone's width (390x844, touch), then back to the laptop size.
    fn phone_screenshot(&self, name: &str) {
        let session = &self.session;
        session.devtools(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
        );
        session.execute("location.reload()", vec![]);
        session.wait_loaded();
        let width = session.execute("return document.documentElement.scrollWidth", vec![]);
        self.screenshot(name);
        self.laptop_viewport();
        session.execute("location.reload()", vec![]);
        session.wait_loaded();
        assert!(
            width.as_u64().is_some_and(|width| width <= 390),
            "{} scrolls sideways at a phone's width ({width} px wide)",
            session.current_url()
        );
    }
}

/// The body's computed background colour.
fn background(session: &Session) -> String {
    session
        .execute(
            "return getComputedStyle(document.body).backgroundColor",
            vec![],
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Chromium's capabilities: headless, a fresh profile, downloads into `downloads`, the console
/// log kept, JavaScript on or off.
fn capabilities(paths: &BrowserPaths, profile: &Path, downloads: &Path, javascript: bool) -> Value {
    let mut prefs = json!({
        "download.default_directory": downloads,
        "download.prompt_for_download": false,
        "download.directory_upgrade": true,
        "safebrowsing.enabled": false,
    });
    if !javascript {
        prefs["webkit.webprefs.javascript_enabled"] = json!(false);
        prefs["profile.managed_default_content_settings.javascript"] = json!(2);
    }
    json!({
        "browserName": "chrome",
        // A dialog stays open for `check_page` to see instead of being dismissed.
        "unhandledPromptBehavior": "ignore",
        "goog:loggingPrefs": { "browser": "ALL" },
        "goog:chromeOptions": {
            "binary": paths.chromium,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-proxy-server",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--window-size=1280,800",
                "--lang=en-US",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": prefs,
        },
    })
}

/// Whether `text` is one of the strings anywhere in `value`.
fn holds_string(value: &Value, text: &str) -> bool {
    match value {
        Value::String(found) => found == text,
        Value::Array(items) => items.iter().any(|item| holds_string(item, text)),
        Value::Object(fields) => fields.values().any(|field| holds_string(field, text)),
        _ => false,
    }
}

/// GETs a URL of the server (outside the browser) and parses the JSON answer.
fn fetch_json(url: &str) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
    let text = agent
        .get(url)
        .call()
        .and_then(|mut response| response.body_mut().read_to_string())
        .unwrap_or_else(|error| panic!("GET {url}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("GET {url}: {error}: {text:.300}"))
}

/// Waits for one finished download with this extension and returns its text.
fn wait_for_download(folder: &Path, extension: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let done: Vec<PathBuf> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|found| found == extension))
            .collect();
        let partial = std::fs::read_dir(folder).unwrap().any(|entry| {
            entry
                .unwrap()
                .path()
                .extension()
                .is_some_and(|e| e == "crdownload")
        });
        if let [file] = done.as_slice()
            && !partial
        {
            return std::fs::read_to_string(file).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "no .{extension} download in {} (found {:?})",
            folder.display(),
            std::fs::read_dir(folder)
                .unwrap()
                .map(|entry| entry.unwrap().file_name())
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `target/browser-screenshots/`, next to the test binaries' folder.
fn screenshot_folder() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/browser-HASH -> target/
    let target = exe
        .ancestors()
        .nth(3)
        .unwrap_or_else(|| Path::new("target"));
    let folder = target.join("browser-screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// `newsdb serve` on a free loopback port; stopped with SIGTERM on drop, killed if it lingers.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(db: &TestDb) -> Server {
        let mut child = db
            .process()
            .args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start newsdb serve");
        let stdout = child.stdout.take().unwrap();
        let mut server = Server {
            child,
            url: String::new(),
        };
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read newsdb serve's stdout");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("newsdb serve printed {line:?}, not 'listening on URL'"));
        assert!(
            url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
            "newsdb serve listens on {url}"
        );
        server.url = url.to_string();
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The database the pages show: `data/samples`, a generated set of a few hundred articles with
/// people and places across 2026, and the three XSS fixtures.
fn fixture_database() -> TestDb {
    let db = TestDb::new();
    let samples: Vec<PathBuf> = std::fs::read_dir(sample(""))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    let generated = db.file("generated.jsonl", generated_articles(300));
    let feed = db.file("xss.rss", XSS_FEED);
    let output = db
        .newsdb()
        .arg("import")
        .args(&samples)
        .arg(&generated)
        .arg(&feed)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "importing the fixture failed:\n{}",
        common::stderr(&output)
    );
    assert!(
        db.count(&format!(
            "SELECT count(*) FROM entities WHERE name = '{XSS_PERSON}'"
        )) == 1,
        "{XSS_PERSON} is not an entity"
    );
    let renamed = db.run(&["entity", "rename", XSS_PERSON, XSS_ENTITY]);
    assert!(renamed.status.success(), "{}", common::stderr(&renamed));
    // newsdb keeps only http(s) URLs, but `articles.url` is a column other tools may write.
    let written = db.run(&[
        "query",
        "--write",
        &format!(
            "UPDATE articles SET url = '{XSS_URL}' \
             WHERE id = (SELECT min(id) FROM articles WHERE url LIKE 'https://news.example.net/%')"
        ),
    ]);
    assert!(written.status.success(), "{}", common::stderr(&written));
    // Each fixture is stored as the pages will read it.
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM articles WHERE title = '{XSS_TITLE}'"
        )),
        1,
        "the script title is not stored literally"
    );
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM articles WHERE url = '{XSS_URL}'"
        )),
        1,
        "the javascript: URL is not stored"
    );
    let people: BTreeSet<String> = db
        .column("SELECT name FROM entities WHERE kind = 'person'")
        .into_iter()
        .collect();
    assert!(
        PEOPLE.iter().all(|person| people.contains(*person)),
        "people found: {people:?}"
    );
    db
}

/// A feed whose one item is titled with a script element. The title is escaped twice, as some
/// feeds do: once for XML, once as HTML text, so it is stored as the literal markup (escaped once,
/// newsdb would take it for markup and strip it).
const XSS_FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Prank Wire</title>
    <link>https://prank.example/</link>
    <description>Items written to break web pages</description>
    <item>
      <title>&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;</title>
      <link>https://prank.example/items/script-title</link>
      <guid isPermaLink="false">prank-script-title</guid>
      <pubDate>Mon, 15 Jun 2026 10:00:00 +0000</pubDate>
      <description>An item whose title is a script element, to show that pages print it as text.</description>
    </item>
  </channel>
</rss>
"#;

/// JSON Lines of `count` generated articles from 1 January to 3 December 2026, more of them
/// as the year goes on (so entity charts have bars of several heights).
fn generated_articles(count: usize) -> String {
    let first_day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut out = String::new();
    for n in 0..count {
        let person = PEOPLE[(n / 5) % PEOPLE.len()];
        // An offset of 1 to 5 places: never the same person.
        let other = PEOPLE[(n / 5 + 1 + n % 5) % PEOPLE.len()];
        let place = PLACES[(n / 3) % PLACES.len()];
        let topic = TOPICS[n % TOPICS.len()];
        let title = match n % 5 {
            0 => format!("{person} backs the {topic} plan for {place}"),
            1 => format!("{place} council delays the {topic} vote after {other} objects"),
            2 => format!("{person} opens the new {topic} in {place}"),
            3 => format!("Residents of {place} question the cost of the {topic}"),
            _ => format!("Money for the {place} {topic} doubles, {person} says"),
        };
        let mut body = format!(
            "{person} said on Monday that the {topic} plan for {place} would go ahead this \
             year, in report number {n} of the series.\n\n\
             {other} told the council in {place} that the {topic} budget needed a second look \
             before any work began.\n\n\
             The council will vote on the {topic} plan next month, {person} said."
        );
        if n % 60 == 7 {
            body.push_str(&format!(
                "\n\n{XSS_PERSON}, who chairs the {place} civic trust, welcomed the decision."
            ));
        }
        // Day 0 to 336 (3 December), growing like a square root: denser towards December.
        let day = (336.0 * ((n + 1) as f64 / count as f64).sqrt()) as i64;
        let published = first_day + chrono::Duration::days(day);
        let record = json!({
            "title": title,
            "body": body,
            "url": format!("https://news.example.net/{}/{n}", topic.replace(' ', "-")),
            "source": OUTLETS[n % OUTLETS.len()],
            "authors": [PEOPLE[(n + 3) % PEOPLE.len()]],
            "published": format!("{published}T{:02}:00:00Z", 6 + n % 12),
        });
        out.push_str(&record.to_string());
        out.push('\n');
    }
    out
}
