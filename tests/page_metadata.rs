//! Page metadata end to end (issue 11, item 9): a saved page with a messy byline, a site name in
//! its title and an odd date form, imported by the real binary; then SQL on what was stored.

mod common;

use common::{TestDb, root};

/// Regression test: the byline "By Steve Matthews and Alex Tanzi, Reuters | smatthews@... Follow
/// @smatthews Email" was stored as one author; the title kept " | HARBOUR GAZETTE"; the date
/// "2014-12-12 at 15:20:00PM EST" was not read.
#[test]
fn a_messy_byline_becomes_people_and_a_credited_agency() {
    let db = TestDb::new();
    let page = root().join("tests/fixtures/pages/messy-byline.html");
    db.newsdb()
        .args(["import", "--no-entities"])
        .arg(&page)
        .assert()
        .success();

    let authors = db.column(
        "SELECT au.name FROM article_authors aa JOIN authors au ON au.id = aa.author_id \
         ORDER BY aa.position",
    );
    assert_eq!(authors, ["Steve Matthews", "Alex Tanzi"]);
    let sources = db.column(
        "SELECT s.name || ' (' || x.role || ')' FROM article_sources x \
         JOIN sources s ON s.id = x.source_id ORDER BY x.role DESC, x.position",
    );
    assert_eq!(sources, ["Harbour Gazette (publisher)", "Reuters (credit)"]);
    assert_eq!(
        db.column("SELECT title FROM articles"),
        ["Ferry fares to rise in the new year"]
    );
    assert_eq!(
        db.column("SELECT published_at FROM articles"),
        ["2014-12-12T20:20:00Z"]
    );
    // Nothing of the byline or the sidebar story is left in the text.
    let body = db.column("SELECT body FROM articles").concat();
    assert!(body.starts_with("Ferry fares across the harbour"), "{body}");
    for leak in ["Matthews", "Follow", "Sam Sidebar"] {
        assert!(!body.contains(leak), "{leak} in {body}");
    }
}
