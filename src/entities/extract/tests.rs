//! The news rules' small cases (issue 14): hand-written sentences, one rule each.

use crate::entities::{ArticleText, Corrections, EntityKind, Extractor};

/// (surface, kind) of every mention of `body`, in text order.
fn kinds(body: &str) -> Vec<(String, EntityKind)> {
    Extractor::shared()
        .extract(ArticleText::body(body), &Corrections::default())
        .into_iter()
        .map(|m| (m.surface, m.kind))
        .collect()
}

fn kind_of(body: &str, surface: &str) -> Option<EntityKind> {
    kinds(body)
        .into_iter()
        .find(|(s, _)| s == surface)
        .map(|(_, k)| k)
}

/// "Oslo-based", "Amazon-owned": a hyphenated adjective is not part of the name after it.
#[test]
fn hyphenated_adjectives_are_not_name_words() {
    let body = "He spoke to the Oslo-based lender Norbank Holdings about rates.\n\
                Shoppers at the Tarnell-owned Greenway Market paid more.";
    let got = kinds(body);
    assert!(
        got.iter()
            .all(|(s, _)| !s.contains("-based") && !s.contains("-owned")),
        "{got:?}"
    );
    assert_eq!(
        kind_of(body, "Norbank Holdings"),
        Some(EntityKind::Organization),
        "{got:?}"
    );
}

/// Acronyms for things and units ("TV", "PC", "HD") are not organisations.
#[test]
fn common_acronyms_are_not_organizations() {
    let body = "You can watch it on TV or a PC in HD, and the VR mode works too.";
    assert_eq!(kinds(body), []);
    // An unknown acronym still is one.
    let body = "The figures came from the FNRB on Monday.";
    assert_eq!(kind_of(body, "FNRB"), Some(EntityKind::Organization));
}

/// A company named where it is bought or sold: "bought Quillfeather", "its sale to Harbourview",
/// even when the name is also a small city's ("the sale to Fontana").
#[test]
fn deals_name_companies() {
    let org = Some(EntityKind::Organization);
    let body = "Last year the group bought Quillfeather for cash.";
    assert_eq!(kind_of(body, "Quillfeather"), org, "{:?}", kinds(body));
    let body = "Investors cheered the sale to Harbourview on Monday.";
    assert_eq!(kind_of(body, "Harbourview"), org, "{:?}", kinds(body));
    let body = "Regulators approved the sale to Fontana last week.";
    assert_eq!(kind_of(body, "Fontana"), org, "{:?}", kinds(body));
    let body = "The optician partnered with Lindqvist to make the lenses.";
    assert_eq!(kind_of(body, "Lindqvist"), org, "{:?}", kinds(body));
    // The city is still a city where nothing is being sold.
    let body = "The family moved to Fontana last week.";
    assert_ne!(kind_of(body, "Fontana"), org, "{:?}", kinds(body));
}

/// A list that holds a known company holds companies: "Toyota, Zorvex and Quellon"; one that
/// holds a company only typed by its suffix is not trusted ("Acme Corp, Dalby and ...").
#[test]
fn lists_after_a_company_are_companies() {
    let body = "It competes with rivals such as Toyota, Zorvex and Quellon in every market.";
    let got = kinds(body);
    assert_eq!(kind_of("Acme Corp, Dalby and Quellon met.", "Dalby"), None);
    for name in ["Toyota", "Zorvex", "Quellon"] {
        assert!(
            got.contains(&(name.to_string(), EntityKind::Organization)),
            "{name} in {got:?}"
        );
    }
}

/// A known organisation followed by a country is its branch there, one organisation.
#[test]
fn an_organizations_branch_in_a_country_is_one_organization() {
    let body = "The group kept its stake in Google India after the sale.";
    assert_eq!(
        kinds(body),
        [("Google India".to_string(), EntityKind::Organization)]
    );
}

/// What a company is, said before its name: "the taxi service Ruvolo".
#[test]
fn a_service_or_platform_before_a_name_makes_it_a_company() {
    let body = "Riders of the taxi service Ruvolo paid twice the fare.";
    assert_eq!(
        kind_of(body, "Ruvolo"),
        Some(EntityKind::Organization),
        "{:?}",
        kinds(body)
    );
}

/// "We’re told": a contraction opening a sentence is no name; "O'Neill" still is one.
#[test]
fn contractions_are_not_names() {
    let body = "We’re told the fares went up.\nThey'll meet Brendan O'Neill later.";
    let got = kinds(body);
    assert!(
        got.iter().all(|(s, _)| s != "We’re" && s != "They'll"),
        "{got:?}"
    );
    assert_eq!(
        kind_of(body, "Brendan O'Neill"),
        Some(EntityKind::Person),
        "{got:?}"
    );
}

/// "the Tuva region": a name before a region word is a place, not an adjective before it.
#[test]
fn a_name_before_region_or_province_is_a_place() {
    let body = "The craft fell over the remote Russian Tuva region on Thursday.\n\
                Elmsby is a hamlet in the English county of Dorset.";
    assert_eq!(
        kind_of(body, "Tuva"),
        Some(EntityKind::Location),
        "{:?}",
        kinds(body)
    );
    assert_eq!(kind_of(body, "English"), None, "{:?}", kinds(body));
}

/// "de Miranda" after "Luis de Miranda": the particle is part of the lone surname.
#[test]
fn a_lone_surname_keeps_its_particle() {
    let body = "The philosopher Luis de Miranda wrote it.\nLater de Miranda said more.";
    let got = Extractor::shared().extract(ArticleText::body(body), &Corrections::default());
    let later = got.iter().find(|m| m.start > 30).expect("found");
    assert_eq!(
        (later.surface.as_str(), later.name.as_str(), later.kind),
        ("de Miranda", "Luis de Miranda", EntityKind::Person)
    );
}
