//! JUnit XML: one `<testsuite>` per product, one `<testcase>` per result, so CI
//! systems that read test reports show each standard as a test.

use crate::result::{CheckResult, Checklist, Status};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

/// Renders the checklist as JUnit XML. Failed and errored error-severity checks are
/// `<failure>` and `<error>`; warnings, manual and not-applicable ones are `<skipped>`
/// with the reason, so they show without failing the build.
pub fn render(checklist: &Checklist) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let write = |w: &mut Writer<Vec<u8>>, e: Event<'_>| w.write_event(e).expect("writing to a Vec cannot fail");
    write(&mut w, Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let s = &checklist.summary;
    let tests = checklist.products.iter().map(|p| p.results.len()).sum::<usize>();
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", "hallmark"));
    suites.push_attribute(("tests", tests.to_string().as_str()));
    suites.push_attribute(("failures", s.fail.to_string().as_str()));
    suites.push_attribute(("errors", s.error.to_string().as_str()));
    suites.push_attribute(("skipped", (s.warn + s.manual + s.not_applicable).to_string().as_str()));
    write(&mut w, Event::Start(suites));
    for p in &checklist.products {
        let ps = &p.summary;
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", p.product.as_str()));
        suite.push_attribute(("tests", p.results.len().to_string().as_str()));
        suite.push_attribute(("failures", ps.fail.to_string().as_str()));
        suite.push_attribute(("errors", ps.error.to_string().as_str()));
        suite.push_attribute((
            "skipped",
            (ps.warn + ps.manual + ps.not_applicable).to_string().as_str(),
        ));
        suite.push_attribute(("file", p.spec.as_str()));
        write(&mut w, Event::Start(suite));
        for r in &p.results {
            testcase(&mut w, &p.product, r);
        }
        // Why the product could not be built, once for the suite (each check's
        // error only says it was not measured).
        if let Some(e) = &p.error {
            write(&mut w, Event::Start(BytesStart::new("system-err")));
            write(&mut w, Event::Text(BytesText::new(e)));
            write(&mut w, Event::End(BytesEnd::new("system-err")));
        }
        write(&mut w, Event::End(BytesEnd::new("testsuite")));
    }
    write(&mut w, Event::End(BytesEnd::new("testsuites")));
    let mut out = String::from_utf8(w.into_inner()).expect("we only write UTF-8");
    out.push('\n');
    out
}

fn testcase(w: &mut Writer<Vec<u8>>, product: &str, r: &CheckResult) {
    let write = |w: &mut Writer<Vec<u8>>, e: Event<'_>| w.write_event(e).expect("writing to a Vec cannot fail");
    let name = if r.columns.is_empty() {
        format!("{} {}: {}", r.standard_id, r.check, r.title)
    } else {
        format!("{} {}({}): {}", r.standard_id, r.check, r.columns.join(", "), r.title)
    };
    let mut case = BytesStart::new("testcase");
    case.push_attribute(("classname", product));
    case.push_attribute(("name", name.as_str()));
    let child = match r.status {
        Status::Pass => None,
        Status::Fail => Some("failure"),
        Status::Error => Some("error"),
        Status::Warn | Status::Manual | Status::NotApplicable => Some("skipped"),
    };
    let Some(tag) = child else {
        write(w, Event::Empty(case));
        return;
    };
    write(w, Event::Start(case));
    let message = match r.status {
        Status::Warn => format!("warning: {}", r.figure),
        Status::Manual => "needs human review".to_string(),
        _ => r.figure.clone(),
    };
    let mut el = BytesStart::new(tag);
    el.push_attribute(("message", message.as_str()));
    let mut body = String::new();
    if let Some(reason) = &r.reason {
        body.push_str(reason);
        body.push('\n');
    }
    if let Some(sql) = &r.sql {
        body.push_str(sql);
        body.push('\n');
    }
    if body.is_empty() {
        write(w, Event::Empty(el));
    } else {
        write(w, Event::Start(el));
        write(w, Event::Text(BytesText::new(&body)));
        write(w, Event::End(BytesEnd::new(tag)));
    }
    write(w, Event::End(BytesEnd::new("testcase")));
}
