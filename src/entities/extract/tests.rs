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

/// Asserts the kind of `surface`'s first mention in `body` (None: not found), showing every
/// mention found when it differs.
#[track_caller]
fn assert_kind(body: &str, surface: &str, kind: Option<EntityKind>) {
    assert_eq!(kind_of(body, surface), kind, "{:?}", kinds(body));
}

fn assert_no_kind(body: &str, kind: EntityKind) {
    let got = kinds(body);
    assert!(got.iter().all(|(_, k)| *k != kind), "no {kind:?}: {got:?}");
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
    assert_kind(body, "Quillfeather", org);
    let body = "Investors cheered the sale to Harbourview on Monday.";
    assert_kind(body, "Harbourview", org);
    let body = "Regulators approved the sale to Fontana last week.";
    assert_kind(body, "Fontana", org);
    let body = "The optician partnered with Lindqvist to make the lenses.";
    assert_kind(body, "Lindqvist", org);
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
    assert_kind(body, "Ruvolo", Some(EntityKind::Organization));
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
    assert_kind(body, "Tuva", Some(EntityKind::Location));
    assert_kind(body, "English", None);
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

/// (surface, name, kind) of every mention of `body`, in text order.
fn named(body: &str) -> Vec<(String, String, EntityKind)> {
    Extractor::shared()
        .extract(ArticleText::body(body), &Corrections::default())
        .into_iter()
        .map(|m| (m.surface, m.name, m.kind))
        .collect()
}

/// A surname that is also a role noun ("Player") or a common word opening a sentence refers
/// back to the full name; the lowercase word stays a word.
#[test]
fn a_surname_that_is_a_common_word_refers_back() {
    let body = "The surfer Ben Player won in Hawaii.\nLater that week Player flew home.\n\
                Player said the player of the year award was a surprise.";
    let got = named(body);
    let players: Vec<_> = got.iter().filter(|(s, _, _)| s == "Player").collect();
    assert_eq!(players.len(), 2, "{got:?}");
    assert!(
        players
            .iter()
            .all(|(_, n, k)| n == "Ben Player" && *k == EntityKind::Person),
        "{got:?}"
    );
    // Without the full name, a capitalised role noun is no one.
    let alone = "Later that week Player flew home.\nPlayer said the player was tired.";
    assert_eq!(named(alone), vec![], "{:?}", named(alone));
}

/// Two people share a surname: the lone surname is the one met first. A name three people
/// share is a family's (often its firm's) and stays unresolved.
#[test]
fn a_shared_surname_names_the_first_person() {
    let body = "Carlo Marsden opened a gym in Leeds.\nHis father John Marsden was a champion.\n\
                In 2004 , Marsden sold the gym.";
    let got = named(body);
    let lone = got
        .iter()
        .find(|(s, _, _)| s == "Marsden")
        .expect("lone surname found");
    assert_eq!(
        (lone.1.as_str(), lone.2),
        ("Carlo Marsden", EntityKind::Person)
    );

    let family = "Luigi Marsden founded it.\nPeter Marsden ran it.\nBruno Marsden sold it.\n\
                  In 1972 , Marsden introduced a new bicycle.";
    let got = named(family);
    assert!(!got.iter().any(|(s, _, _)| s == "Marsden"), "{got:?}");
}

/// A small town's name that is the surname of a person in the article is the person; a large
/// city's is not.
#[test]
fn a_town_named_like_a_persons_surname_is_the_person() {
    let body = "General Manuel Belgrano led the army north.\nThe troops trusted Belgrano .";
    let got = named(body);
    let lone = got.iter().find(|(s, _, _)| s == "Belgrano").expect("found");
    assert_eq!(
        (lone.1.as_str(), lone.2),
        ("Manuel Belgrano", EntityKind::Person)
    );

    let city = "Sarah Paris spoke.\nThe troops marched into Paris .";
    assert_kind(city, "Paris", Some(EntityKind::Location));
}

/// English text writes cities without their accents.
#[test]
fn cities_are_found_without_their_accents() {
    let got = named("She flew from Montreal to Zurich and on to Sao Paulo.");
    let names: Vec<_> = got.iter().map(|(_, n, k)| (n.as_str(), *k)).collect();
    assert_eq!(
        names,
        vec![
            ("Montréal", EntityKind::Location),
            ("Zürich", EntityKind::Location),
            ("São Paulo", EntityKind::Location)
        ]
    );
    // The accentless spelling that is an English word is not a place.
    assert_eq!(named("Prices fell in the Sale that followed."), vec![]);
}

/// In a sports report, a name ending in a plural nickname is a club, whatever its town.
#[test]
fn a_plural_nickname_in_a_sports_report_is_a_club() {
    let body = "The Fremantle Dockers beat the St. Louis Eagles by 12 points in the derby match.";
    assert_kind(body, "Fremantle Dockers", Some(EntityKind::Organization));
    assert_kind(body, "St. Louis Eagles", Some(EntityKind::Organization));
    // Acronyms' plurals and events are no clubs.
    let other = "Use the Cocoa APIs to match the old behaviour.\n\
                 We match up the classic Star Wars films.";
    assert_no_kind(other, EntityKind::Organization);
}

/// `Dwayne "The Rock" Johnson`: the nickname is inside the name, and the surname alone
/// refers back to it.
#[test]
fn a_nickname_in_quotes_is_inside_the_name() {
    let body =
        "The actor Dwayne \"The Rock\" Johnson arrived on Monday.\nJohnson said he was happy.";
    let got = named(body);
    assert_eq!(
        got,
        vec![
            (
                "Dwayne \"The Rock\" Johnson".to_string(),
                "Dwayne Johnson".to_string(),
                EntityKind::Person
            ),
            (
                "Johnson".to_string(),
                "Dwayne Johnson".to_string(),
                EntityKind::Person
            ),
        ]
    );
}

/// A line that opens with a call sign is no dateline: place names have no digits.
#[test]
fn a_call_sign_opening_a_line_is_no_dateline() {
    let body = "6PR , known as 882 6PR , began broadcasting in 1931 .\nIt is based in Perth .";
    let got = kinds(body);
    assert!(
        got.iter()
            .all(|(s, k)| !(s.contains("6PR") && *k == EntityKind::Location)),
        "{got:?}"
    );
}

/// Two full names joined by "&" are two people; a firm's name of two surnames stays one.
#[test]
fn two_people_joined_by_an_ampersand_are_two() {
    let body = "Karl Langdon & Harvey Deegan call the match.\nShares of Marks & Spencer rose.";
    let got = kinds(body);
    assert_eq!(
        got,
        vec![
            ("Karl Langdon".to_string(), EntityKind::Person),
            ("Harvey Deegan".to_string(), EntityKind::Person),
            ("Marks & Spencer".to_string(), EntityKind::Organization),
        ]
    );
}

/// A role noun inside a run, then a full name: the person after it, and only the gazetteer
/// names before it (the rest is often the title's own words).
#[test]
fn a_role_noun_inside_a_run_splits_off_the_person() {
    let body = "Seminole County Sheriff Don Eslinger said the boy was safe.\n\
                AP Technology Writer Barbara Ortutay wrote it.\n\
                Assistant District Attorney Janice Steidley declined to comment.";
    let got = named(body);
    let got: Vec<_> = got
        .iter()
        .map(|(s, n, k)| (s.as_str(), n.as_str(), *k))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Don Eslinger", "Don Eslinger", EntityKind::Person),
            ("AP", "Associated Press", EntityKind::Organization),
            ("Barbara Ortutay", "Barbara Ortutay", EntityKind::Person),
            ("Janice Steidley", "Janice Steidley", EntityKind::Person),
        ]
    );
}

/// A small town's name among other capitalised words is a word of a longer name ("Windows
/// Mobile", "Burnout Paradise"), while a town alone, or a state before a party, is a place.
#[test]
fn a_town_inside_a_longer_name_is_no_place() {
    let body = "The phone ran Windows Mobile, and Burnout Paradise Remastered sold well.";
    assert_eq!(
        kinds(body)
            .iter()
            .filter(|(_, k)| *k == EntityKind::Location)
            .count(),
        0,
        "{:?}",
        kinds(body)
    );
    let loc = Some(EntityKind::Location);
    let body = "Flights from Mobile were cancelled on Monday.";
    assert_kind(body, "Mobile", loc);
    let body = "The bill was backed by Jon Tessler, a Virginia Democrat, and two others.";
    assert_kind(body, "Virginia", loc);
}

/// A one-word gazetteer name opening a sentence is the common word when the article writes it
/// in lowercase too; written only in a web address, it does not count.
#[test]
fn a_common_word_opening_a_sentence_is_no_name() {
    let body = "Time to change that.\nWe spent a long time on the report.";
    assert_kind(body, "Time", None);
    let body = "The figures were first reported by Time on Monday.\nIt took time.";
    assert_kind(body, "Time", Some(EntityKind::Organization));
    let body = "Google said profits rose.\nDetails are at google.com/investors today.";
    assert_kind(body, "Google", Some(EntityKind::Organization));
}

/// A word set in capitals that the article also writes in lowercase ("NULL", "MUST") is no
/// acronym, nor is a computing term ("API"); an unknown acronym still names an organisation.
#[test]
fn capitalised_words_and_computing_terms_are_no_organizations() {
    let body =
        "The value MUST be null when unset, as it must.\nA NULL value means the API has no answer.";
    assert_eq!(kinds(body), [], "{:?}", kinds(body));
    let body = "The FNRB said a null value was allowed.";
    assert_kind(body, "FNRB", Some(EntityKind::Organization));
}

/// "in" makes a place of a plain name only: a language ("written in C", "in Objective-C", "in
/// English"), a product written with an inner capital ("in AdWords") or a word the article
/// writes in lowercase ("in Go", "go build") is none, while a town with a name prefix ("in
/// DeKorva") still is. A product version is no person ("Mac OS X").
#[test]
fn languages_and_products_after_in_are_no_places() {
    let body = "The parser is written in C and in Objective-C.\nThe bids changed in AdWords.\n\
                The manual was printed in English.\nIt ships with Mac OS X 10.10 today.\n\
                The tool is written in Go, so you go build it.";
    assert_eq!(kinds(body), [], "{:?}", kinds(body));
    let body = "The bus stopped in DeKorva overnight.";
    assert_kind(body, "DeKorva", Some(EntityKind::Location));
}

/// Two capitals after a town and a comma, or before a postcode, are its state, not an
/// organisation; elsewhere they are still an acronym.
#[test]
fn a_state_code_after_a_town_is_a_place() {
    let loc = Some(EntityKind::Location);
    let body = "The flat at 12 Lark St, Tarnbury, CA 94536 is free.";
    assert_kind(body, "CA", loc);
    let body = "The quake struck near Sacramento, CA on Monday.";
    assert_kind(body, "CA", loc);
    let body = "The report came from the FN on Monday.";
    assert_kind(body, "FN", Some(EntityKind::Organization));
}

/// A common word the article writes in lowercase is a word of the capitalised name it stands
/// in ("The Time Travelers", "Time Warner" beside "at the time"), not the magazine; standing
/// alone it still is the magazine.
#[test]
fn a_common_word_inside_a_longer_name_is_no_name() {
    let body = "The film remakes The Time Travelers, and Time Warner bought it.\n\
                At the time nobody noticed.";
    assert_kind(body, "Time", None);
    let body = "The cover story ran in Time last week.\nAt the time nobody noticed.";
    assert_kind(body, "Time", Some(EntityKind::Organization));
}

/// Words of code and specifications set in capitals are no organisations: SQL ("SELECT ...
/// WHERE"), HTTP methods, the RFC 2119 keywords, even after a word that names companies ("A
/// provider MAY offer"), and the parts of an identifier ("FORTIFY_SOURCE").
#[test]
fn words_of_code_and_specifications_are_no_organizations() {
    let body = "Run SELECT on the table.\nA provider MAY offer rollbacks; PUT requests MUST \
                carry a token.\nBuild with FORTIFY_SOURCE set.";
    assert_eq!(kinds(body), [], "{:?}", kinds(body));
    let body = "The service is offered by provider Qarnet in Europe.";
    assert_kind(body, "Qarnet", Some(EntityKind::Organization));
}

/// "Research" ends an organisation's name ("written by Mozilla Research" was a person).
#[test]
fn research_ends_an_organization_name() {
    let body = "The language is developed by Velmora Research in the open.";
    assert_kind(body, "Velmora Research", Some(EntityKind::Organization));
}

/// A line opening with a computing or economic term before "(" is a fact box's line, not a
/// dateline: "GDP (PPP)" is no place, while "TARVELLE (Reuters)" still is one.
#[test]
fn a_common_acronym_opening_a_line_is_no_dateline() {
    let body = "Area 268,021 km2\nGDP (PPP) 2018 estimate\nPopulation 4.9 million";
    assert!(
        kinds(body)
            .iter()
            .all(|(s, k)| s != "GDP" && *k != EntityKind::Location),
        "{:?}",
        kinds(body)
    );
    let body = "TARVELLE (Reuters) - The port reopened on Monday.";
    assert_kind(body, "TARVELLE", Some(EntityKind::Location));
}

/// A name and a version number after a preposition is a product ("back to Xcode 4", "in
/// Firefox 85", "in Modern Warfare 2"), not a place; a year after a place keeps it one ("in
/// Tarvelle 2024").
#[test]
fn a_name_with_a_version_number_is_no_place() {
    let body = "It goes back to Xcode 4 and works in Firefox 85 and in Zarnic 10.15 too.";
    assert_no_kind(body, EntityKind::Location);
    let body = "The games were held in Tarvelle 2024 and in Quorn.";
    assert_kind(body, "Tarvelle", Some(EntityKind::Location));
}

/// "by" names agents of every kind: one word after it is a person only when it is a known
/// name ("by Smith"), not a program or a standard ("by Firefox", "by OAuth"); two words still
/// are ("by Jane Moss"). A name before a version number is a product even after a role noun
/// ("its predecessor Raspberry Pi 2").
#[test]
fn one_unknown_word_after_by_is_no_person() {
    let body = "The bugs were found by Zorblat.\nTokens are issued as specified by OAuth.";
    assert_no_kind(body, EntityKind::Person);
    let body = "The report was written by Smith.\nThe novel was written by Jane Moss.";
    assert_kind(body, "Smith", Some(EntityKind::Person));
    assert_kind(body, "Jane Moss", Some(EntityKind::Person));
    let body = "It is faster than its predecessor Raspberry Pi 2.";
    assert_ne!(
        kind_of(body, "Raspberry Pi"),
        Some(EntityKind::Person),
        "{:?}",
        kinds(body)
    );
}

/// An acronym the article spells out in lowercase words beside it in brackets is the name of a
/// thing ("a CFHP (control-flow hijacking primitive)", "a key derivation function (KDF)"); one
/// spelled out in capitals stays an organisation.
#[test]
fn an_acronym_spelled_out_in_lowercase_is_no_organization() {
    let body = "Only a CFHP (control-flow hijacking primitive) is needed.\n\
                Use a key derivation function (KDF) here.";
    assert_eq!(kinds(body), [], "{:?}", kinds(body));
    let body = "The Northern Rail Board (NRB) met.\nThe NRB said fares would rise.";
    assert_kind(body, "NRB", Some(EntityKind::Organization));
}
