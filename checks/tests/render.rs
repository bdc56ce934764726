//! The three output forms: JSON valid against the documented schema, well-formed JUnit
//! XML, and the markdown checklist a reviewer reads.

mod support;

use hallmark_checks::render::text::TextOptions;
use hallmark_checks::render::{json, render, Format};
use support::{bad, Backend, Repo, COLUMNS};

fn checked() -> hallmark_checks::Checklist {
    let repo = Repo::new();
    repo.write(
        "data_standards.md",
        "## S-001 Keys hold\nApplies to: silver\n```rule\ncheck: primary_key\n```\n\
         ## S-002 Amounts are non-negative\nApplies to: silver\n```rule\ncolumns: { tag: currency }\ncheck: { range: { min: 0 } }\n```\n\
         ## S-003 Emails are present\nApplies to: silver\n```rule\ncolumns: { tag: email }\ncheck: not_null\nseverity: warn\n```\n\
         ## S-004 Names are business terms\nApplies to: silver\n\nNo `shp_ctry` <please>.\n\
         ## S-005 PII is tagged\nApplies to: silver\n```rule\ncolumns: { tag: pii }\ncheck: not_null\n```\n\
         ## S-006 Owner\nApplies to: silver\n```rule\ncheck: owner_present\n```\n",
    )
    .product(COLUMNS, &["id"], &bad(Backend::DuckDb));
    repo.check().0
}

#[test]
fn json_validates_against_the_documented_schema() {
    let list = checked();
    let doc: serde_json::Value = serde_json::from_str(&render(&list, Format::Json)).unwrap();
    let schema: serde_json::Value = serde_json::from_str(json::SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema itself is valid");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(
        doc["summary"]["fail"], 3,
        "two value checks, and a pii standard with an untagged email"
    );
    assert_eq!(doc["products"][0]["results"][1]["samples"]["rows"][0][1], "-5.00");
}

#[test]
fn the_schema_rejects_what_it_should() {
    let schema: serde_json::Value = serde_json::from_str(json::SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&render(&checked(), Format::Json)).unwrap();
    doc["products"][0]["results"][0]["status"] = "maybe".into();
    assert!(!validator.is_valid(&doc), "an unknown status must not validate");
}

#[test]
fn junit_is_well_formed_xml_with_one_case_per_result() {
    let list = checked();
    let xml = render(&list, Format::Junit);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut failures, mut depth) = (0, 0, 0i32);
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) => {
                depth += 1;
                match e.name().as_ref() {
                    b"testcase" => cases += 1,
                    b"failure" => failures += 1,
                    _ => {}
                }
            }
            quick_xml::events::Event::Empty(e) if e.name().as_ref() == b"testcase" => cases += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            _ => {}
        }
    }
    assert_eq!(depth, 0);
    assert_eq!(cases, list.products[0].results.len());
    assert_eq!(failures, 2);
    assert!(xml.contains("&lt;please&gt;"), "user text is escaped");
}

#[test]
fn markdown_checklist() {
    insta::assert_snapshot!(render(&checked(), Format::Markdown));
}

/// The terminal form, 100 columns, no colour: a line per check, the failures again at
/// the end with their rows and SQL, a line per product and the total.
#[test]
fn text_checklist() {
    let options = TextOptions {
        color: false,
        width: 100,
        verbose: false,
    };
    let text = render(&checked(), Format::Text(options));
    assert!(!text.contains('\u{1b}'), "no escape codes without colour");
    assert!(text
        .lines()
        .all(|l| console::measure_text_width(l) <= 100 || !l.starts_with("  ✔")));
    insta::assert_snapshot!(text);
    // Colour marks the statuses; -v shows every check's SQL.
    let coloured = render(&checked(), Format::Text(TextOptions { color: true, ..options }));
    assert!(coloured.contains("\u{1b}[32m✔"), "a green pass mark");
    assert_eq!(console::strip_ansi_codes(&coloured), text);
    let verbose = render(
        &checked(),
        Format::Text(TextOptions {
            verbose: true,
            ..options
        }),
    );
    assert!(verbose.lines().count() > text.lines().count());
}

/// A product that cannot be built says why once, above its checks, in each form; its
/// checks only say they were not measured.
#[test]
fn an_unbuilt_product_says_why_once() {
    let repo = Repo::new();
    repo.write(
        "data_standards.md",
        "## S-001 Keys hold\nApplies to: silver\n```rule\ncheck: primary_key\n```\n\
         ## S-002 Amounts are non-negative\nApplies to: silver\n```rule\ncolumns: { tag: currency }\ncheck: { range: { min: 0 } }\n```\n\
         ## S-003 Emails are present\nApplies to: silver\n```rule\ncolumns: { tag: email }\ncheck: not_null\n```\n",
    )
    .product(COLUMNS, &["id"], "SELECT * FROM bronze.no_such_table");
    let list = repo.check().0;
    let report = &list.products[0];
    let error = report.error.clone().expect("the build failed");
    assert!(error.contains("no_such_table"), "{error}");
    let errored: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.status == hallmark_checks::Status::Error)
        .collect();
    assert!(errored.len() >= 3, "{:?}", report.results);
    for r in &errored {
        assert_eq!(r.figure, hallmark_checks::runner::NOT_BUILT);
        assert!(r.reason.is_none(), "the reason is the product's: {r:?}");
    }
    let markdown = render(&list, Format::Markdown);
    let first_line = error.lines().next().unwrap();
    assert_eq!(markdown.matches(first_line).count(), 1, "{markdown}");
    assert_eq!(
        markdown.matches(hallmark_checks::runner::NOT_BUILT).count(),
        errored.len(),
        "{markdown}"
    );
    let junit = render(&list, Format::Junit);
    assert_eq!(junit.matches("<system-err>").count(), 1, "{junit}");
    assert_eq!(junit.matches("no_such_table").count(), 1, "{junit}");
    let doc: serde_json::Value = serde_json::from_str(&render(&list, Format::Json)).unwrap();
    assert_eq!(doc["products"][0]["error"].as_str(), Some(error.as_str()));
    let schema: serde_json::Value = serde_json::from_str(json::SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(
        validator.is_valid(&doc),
        "the documented schema holds for an unbuilt product"
    );
}
