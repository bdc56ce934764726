//! Parser errors name the file, the line and the problem; the parsers never panic.

use hallmark_checks::spec::parse_spec;
use hallmark_checks::standards::parse_standards;
use hallmark_checks::Level;
use proptest::prelude::*;
use std::path::Path;

fn standard_errors(text: &str) -> Vec<String> {
    parse_standards(text, Path::new("data_standards.md"))
        .expect_err("the text has a mistake")
        .0
        .iter()
        .map(|e| e.to_string())
        .collect()
}

fn spec_errors(text: &str) -> Vec<String> {
    parse_spec(text, Path::new("products/orders/silver.yml"), Some(Level::Silver))
        .expect_err("the spec has a mistake")
        .0
        .iter()
        .map(|e| e.to_string())
        .collect()
}

const HEAD: &str = "# Standards\n\n## SLV-001 Amounts are positive\nApplies to: silver\n";

#[test]
fn unknown_check() {
    let e = standard_errors(&format!(
        "{HEAD}```rule\ncolumns: {{ tag: currency }}\ncheck: {{ rnage: {{ min: 0 }} }}\n```\n"
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("data_standards.md:7: standard SLV-001: check: unknown check `rnage`, expected one of"),
        "{}",
        e[0]
    );
}

#[test]
fn unknown_parameter() {
    let e = standard_errors(&format!(
        "{HEAD}```rule\ncolumns: {{ tag: currency }}\ncheck: {{ range: {{ minimum: 0 }} }}\n```\n"
    ));
    assert!(e[0].starts_with("data_standards.md:7: standard SLV-001: "), "{}", e[0]);
    assert!(
        e[0].contains("unknown field `minimum`, expected `min` or `max`"),
        "{}",
        e[0]
    );
}

#[test]
fn bad_regex() {
    let e = standard_errors(&format!(
        "{HEAD}```rule\ncolumns: {{ tag: email }}\ncheck: {{ pattern: {{ regex: '[a-z+' }} }}\n```\n"
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("data_standards.md:7: standard SLV-001: bad regex `[a-z+` in `pattern`"),
        "{}",
        e[0]
    );
}

#[test]
fn duplicate_id() {
    let text = format!("{HEAD}\n## SLV-001 Again\nApplies to: gold\n");
    let e = standard_errors(&text);
    assert_eq!(
        e,
        ["data_standards.md:6: duplicate standard id SLV-001 (first defined on line 3)"]
    );
}

#[test]
fn column_check_without_selector() {
    let e = standard_errors(&format!("{HEAD}```rule\ncheck: not_null\n```\n"));
    assert_eq!(
        e,
        ["data_standards.md:6: standard SLV-001: check `not_null` needs a `columns:` selector (by tag, name, name_pattern, type or role)"]
    );
}

#[test]
fn table_check_with_selector() {
    let e = standard_errors(&format!(
        "{HEAD}```rule\ncolumns: {{ tag: x }}\ncheck: {{ row_count: {{ min: 1 }} }}\n```\n"
    ));
    assert_eq!(
        e,
        ["data_standards.md:6: standard SLV-001: check `row_count` applies to the whole table and takes no `columns:` selector"]
    );
}

#[test]
fn empty_selector() {
    let e = standard_errors(&format!("{HEAD}```rule\ncolumns: {{}}\ncheck: not_null\n```\n"));
    assert_eq!(e, ["data_standards.md:6: standard SLV-001: `columns:` selects nothing; give a tag, name, name_pattern, type or role"]);
}

#[test]
fn missing_applies_to() {
    let e = standard_errors("## SLV-009 No level\n\nSome prose.\n");
    assert_eq!(
        e,
        ["data_standards.md:1: standard SLV-009 has no `Applies to:` line; add e.g. `Applies to: silver, gold`"]
    );
}

#[test]
fn unknown_level() {
    let e = standard_errors("## SLV-009 X\nApplies to: silver, platinum\n");
    assert_eq!(
        e,
        ["data_standards.md:2: standard SLV-009: unknown level `platinum`, expected bronze, silver or gold"]
    );
}

#[test]
fn invalid_yaml_points_into_the_block() {
    let e = standard_errors(&format!(
        "{HEAD}\n```rule\ncolumns: {{ tag: x }}\ncheck: [not_null\n```\n"
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0],
        "data_standards.md:8: standard SLV-001: did not find expected ',' or ']'"
    );
}

#[test]
fn unclosed_fence_and_second_rule() {
    let e = standard_errors(&format!(
        "{HEAD}```rule\ncheck: owner_present\n```\n```rule\ncheck: documented\n```\n```sql\nSELECT 1\n"
    ));
    assert_eq!(
        e,
        [
            "data_standards.md:8: standard SLV-001 has more than one `rule` block; merge them into one",
            "data_standards.md:11: code block is never closed",
        ]
    );
}

#[test]
fn rule_outside_a_standard() {
    let e = standard_errors("# Intro\n```rule\ncheck: owner_present\n```\n");
    assert_eq!(
        e,
        ["data_standards.md:2: a `rule` block outside any standard; put it under a heading like `## SLV-001 Title`"]
    );
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let text =
        "## A-1 One\n```rule\ncheck: not_null\n```\n## A-2 Two\nApplies to: gold\n```rule\ncheck: { nope: 1 }\n```\n";
    let e = standard_errors(text);
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(e[0].starts_with("data_standards.md:1: standard A-1 has no `Applies to:`"));
    assert!(e[1].starts_with("data_standards.md:3: standard A-1: check `not_null` needs"));
    assert!(
        e[2].starts_with("data_standards.md:8: standard A-2: check: unknown check `nope`"),
        "{}",
        e[2]
    );
}

const SPEC: &str = "name: orders
level: silver
owner: team
sources:
  - { name: bronze.orders, file: bronze/orders.csv }
primary_key: [order_id]
columns:
  - name: order_id
    type: varchar
  - name: amount
    type: decimal(18,2)
";

#[test]
fn valid_spec() {
    let spec = parse_spec(SPEC, Path::new("s.yml"), Some(Level::Silver)).unwrap();
    assert_eq!(spec.relation(), "silver.orders");
    assert_eq!(spec.columns.len(), 2);
}

#[test]
fn spec_unknown_key_names_line() {
    let e = spec_errors(&SPEC.replace("owner: team", "ownr: team"));
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("products/orders/silver.yml:3: unknown field `ownr`"),
        "{}",
        e[0]
    );
}

#[test]
fn spec_semantic_errors() {
    let text = SPEC
        .replace("name: orders", "name: Orders")
        .replace("primary_key: [order_id]", "primary_key: [id]")
        .replace("    type: decimal(18,2)\n", "    type: decimal(18,2)\n    checks: [{ pattern: { regex: '(' } }, { row_count: { min: 1 } }]\n  - name: amount\n    type: double\n");
    let e = spec_errors(&text);
    assert_eq!(
        e,
        [
            "products/orders/silver.yml:1: product name `Orders` must be snake_case: lowercase letters, digits and `_`, starting with a letter",
            "products/orders/silver.yml:6: primary key column `id` is not among the columns",
            "products/orders/silver.yml:12: column `amount`: bad regex `(` in `pattern`: unclosed group",
            "products/orders/silver.yml:12: check `row_count` on column `amount` applies to the whole table; move it to the spec's top-level `checks:`",
            "products/orders/silver.yml:13: column `amount` is listed twice",
        ]
    );
}

#[test]
fn spec_level_must_match_file() {
    let e = parse_spec(SPEC, Path::new("products/orders/gold_x.yml"), Some(Level::Gold)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "products/orders/gold_x.yml:2: the file is a gold spec but says `level: silver`"
    );
}

#[test]
fn spec_source_without_location() {
    let e = spec_errors(&SPEC.replace(
        "{ name: bronze.orders, file: bronze/orders.csv }",
        "{ name: bronze.orders }",
    ));
    assert_eq!(
        e,
        ["products/orders/silver.yml:5: source `bronze.orders` has no `file` or `table`; only another product (`silver.<name>`) may be named alone"]
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn standards_parser_never_panics(text in "\\PC*") {
        let _ = parse_standards(&text, Path::new("x.md"));
    }

    #[test]
    fn standards_parser_never_panics_on_near_valid_input(
        id in "[A-Z]{1,4}-[0-9]{1,3}",
        levels in "[a-z, ]{0,20}",
        rule in "[a-z_:{}\\[\\], \n0-9'\"-]{0,80}",
        fence in prop::sample::select(vec!["```", "~~~", "````", ""]),
    ) {
        let text = format!("## {id} Title\nApplies to: {levels}\n{fence}rule\n{rule}\n{fence}\n");
        let _ = parse_standards(&text, Path::new("x.md"));
    }

    #[test]
    fn spec_parser_never_panics(text in "\\PC*") {
        let _ = parse_spec(&text, Path::new("x.yml"), None);
    }

    #[test]
    fn spec_parser_never_panics_on_near_valid_input(cut in 0usize..SPEC.len(), junk in "[a-z:{}\\[\\], \n-]{0,20}") {
        let mut text = SPEC.to_string();
        let at = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.insert_str(at, &junk);
        let _ = parse_spec(&text, Path::new("x.yml"), None);
    }
}
