//! Reading a JUnit XML report (the file pytest writes with `--junitxml`): each `<testcase>`
//! and whether it holds a `<failure>`, `<error>` or `<skipped>`. Parsed with `quick-xml`, so
//! CDATA, entities, comments, nested `<testsuites>` and self-closing cases read as any XML
//! reader would; a document that is not well-formed is an error, never a partial run.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

use super::{EXCERPT_LINES, TestFailure, TestOutcomes, excerpt};
use crate::builtin::error::BuiltinError;

/// A report larger than this is refused before it is parsed (the caller reads at most this).
pub const MAX_REPORT_BYTES: u64 = 64 << 20;

/// The test case being read: its name, and its failure once a `<failure>`/`<error>` opens.
struct Case {
    name: String,
    failure: Option<Failure>,
    skipped: bool,
}

/// A `<failure>` or `<error>`: its `message` attribute and its text (CDATA included).
struct Failure {
    message: String,
    text: String,
    /// Still inside the element, so text belongs to it.
    open: bool,
}

/// The test cases of `xml`; `Err` when the document is cut, not well-formed, or not JUnit.
pub fn parse(xml: &str) -> Result<TestOutcomes, BuiltinError> {
    let mut reader = Reader::from_str(xml);
    let mut parsed = TestOutcomes::default();
    let mut suite_seen = false;
    let mut case: Option<Case> = None;
    loop {
        let event = reader.read_event().map_err(|source| BuiltinError::Xml {
            position: reader.error_position(),
            source,
        })?;
        match &event {
            Event::Start(tag) | Event::Empty(tag) if is(tag, b"testsuite") => suite_seen = true,
            Event::Start(tag) if is(tag, b"testcase") => {
                case = Some(Case {
                    name: case_name(tag),
                    failure: None,
                    skipped: false,
                });
            }
            Event::Empty(tag) if is(tag, b"testcase") => parsed.passed.push(case_name(tag)),
            Event::Start(tag) | Event::Empty(tag) if is(tag, b"failure") || is(tag, b"error") => {
                let open = matches!(event, Event::Start(_));
                if let Some(case) = case.as_mut().filter(|case| case.failure.is_none()) {
                    case.failure = Some(Failure {
                        message: attribute(tag, b"message"),
                        text: String::new(),
                        open,
                    });
                }
            }
            Event::Start(tag) | Event::Empty(tag) if is(tag, b"skipped") => {
                if let Some(case) = case.as_mut() {
                    case.skipped = true;
                }
            }
            Event::End(tag) if tag.local_name().as_ref() == b"testcase" => {
                if let Some(case) = case.take() {
                    finish(&mut parsed, case);
                }
            }
            Event::End(tag) if matches!(tag.local_name().as_ref(), b"failure" | b"error") => {
                if let Some(failure) = failure_text(&mut case) {
                    failure.open = false;
                }
            }
            Event::Text(text) => {
                if let Some(failure) = failure_text(&mut case) {
                    failure
                        .text
                        .push_str(&text.xml_content().unwrap_or_default());
                }
            }
            Event::CData(data) => {
                if let Some(failure) = failure_text(&mut case) {
                    failure
                        .text
                        .push_str(&data.xml_content().unwrap_or_default());
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(failure) = failure_text(&mut case) {
                    let name = reference.decode().unwrap_or_default();
                    match reference.resolve_char_ref() {
                        Ok(Some(c)) => failure.text.push(c),
                        _ => match resolve_predefined_entity(&name) {
                            Some(decoded) => failure.text.push_str(decoded),
                            None => failure.text.push_str(&format!("&{name};")),
                        },
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(case) = case {
        return Err(BuiltinError::JunitCut { case: case.name });
    }
    if !suite_seen {
        return Err(BuiltinError::NoTestSuite);
    }
    Ok(parsed)
}

fn is(tag: &BytesStart<'_>, name: &[u8]) -> bool {
    tag.local_name().as_ref() == name
}

/// The failure whose element is still open in the current case, if any.
fn failure_text(case: &mut Option<Case>) -> Option<&mut Failure> {
    case.as_mut()?
        .failure
        .as_mut()
        .filter(|failure| failure.open)
}

fn finish(parsed: &mut TestOutcomes, case: Case) {
    match case.failure {
        Some(failure) => {
            let source = if failure.text.trim().is_empty() {
                failure.message
            } else {
                failure.text
            };
            parsed.failed.push(TestFailure {
                name: case.name,
                excerpt: excerpt(&source, EXCERPT_LINES),
            });
        }
        None if case.skipped => parsed.skipped += 1,
        None => parsed.passed.push(case.name),
    }
}

/// `classname::name`, as pytest's node ids read (`tests.test_calc::test_adds`).
fn case_name(tag: &BytesStart<'_>) -> String {
    let class = attribute(tag, b"classname");
    let name = attribute(tag, b"name");
    if class.is_empty() {
        name
    } else {
        format!("{class}::{name}")
    }
}

/// The attribute's value with entities decoded; an undecodable value is kept as written.
fn attribute(tag: &BytesStart<'_>, key: &[u8]) -> String {
    let Ok(Some(attribute)) = tag.try_get_attribute(key) else {
        return String::new();
    };
    match attribute.unescape_value() {
        Ok(value) => value.into_owned(),
        Err(_) => String::from_utf8_lossy(&attribute.value).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What pytest 9 wrote for the sample package (one pass, one failure, one skip, one
    /// test in a class).
    const PYTEST: &str = include_str!("../../../tests/fixtures/runners/pytest-failing.xml");

    #[test]
    fn pytest_report_gives_each_case_and_the_assertion() {
        let parsed = parse(PYTEST).unwrap();
        assert_eq!(
            parsed.passed,
            vec![
                "tests.test_calc::test_adds",
                "tests.test_calc.TestK::test_in_class"
            ]
        );
        assert_eq!(parsed.skipped, 1);
        assert_eq!(parsed.failed.len(), 1);
        assert_eq!(parsed.failed[0].name, "tests.test_calc::test_fails");
        assert!(
            parsed.failed[0]
                .excerpt
                .starts_with("E       AssertionError: add & <wrong>"),
            "{}",
            parsed.failed[0].excerpt
        );
    }

    #[test]
    fn collection_errors_are_failures() {
        let xml = r#"<testsuites><testsuite><testcase classname="" name="tests.test_x"><error message="collection failure">ImportError: no module named calc</error></testcase></testsuite></testsuites>"#;
        let parsed = parse(xml).unwrap();
        assert_eq!(parsed.failed[0].name, "tests.test_x");
        assert_eq!(
            parsed.failed[0].excerpt,
            "ImportError: no module named calc"
        );
    }

    #[test]
    fn a_cut_report_is_an_error_not_an_empty_run() {
        assert!(parse(r#"<testsuite><testcase name="a">"#).is_err());
        assert!(parse("not xml").is_err());
    }

    #[test]
    fn entities_decode_in_attributes_and_text() {
        let xml = r#"<testsuite><testcase classname="a&amp;b" name="t&lt;1&gt;"><failure>x &lt;b&gt; &amp;&#10;&#x41; &bogus; y</failure></testcase></testsuite>"#;
        let parsed = parse(xml).unwrap();
        assert_eq!(parsed.failed[0].name, "a&b::t<1>");
        assert_eq!(parsed.failed[0].excerpt, "x <b> &\nA &bogus; y");
    }

    #[test]
    fn cdata_comments_and_a_declaration_read_as_xml() {
        // The failure text sits in CDATA holding `</testcase>` and `<failure`; a comment holds
        // a fake passing case; a processing instruction and a DOCTYPE come first.
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE testsuites>
<?stylesheet x?>
<testsuites>
  <!-- <testcase name="fake_pass"/> -->
  <testsuite name="s">
    <testcase name="t1"><failure message="m"><![CDATA[E   got </testcase><failure & <b>]]></failure></testcase>
    <testcase name='t2' classname = 'k' ></testcase>
  </testsuite>
</testsuites>"#;
        let parsed = parse(xml).unwrap();
        assert_eq!(parsed.passed, vec!["k::t2"]);
        assert_eq!(parsed.failed.len(), 1);
        assert_eq!(parsed.failed[0].name, "t1");
        assert_eq!(
            parsed.failed[0].excerpt,
            "E   got </testcase><failure & <b>"
        );
    }

    #[test]
    fn nested_suites_self_closing_cases_and_failure_forms() {
        let xml = r#"<testsuites><testsuite name="outer"><testsuite name="inner">
<testcase name="a"/>
<testcase name="b"><system-out>&lt;failure&gt; printed by the test</system-out></testcase>
<testcase name="c"><failure message="only the message"/></testcase>
<testcase name="d"><skipped/><error message="setup">boom</error></testcase>
<testcase name="e"><skipped message="later"/></testcase>
<testcase name="f"><properties><property name="failure" value="no"/></properties></testcase>
</testsuite><testsuite name="empty"/></testsuite></testsuites>"#;
        let parsed = parse(xml).unwrap();
        assert_eq!(parsed.passed, vec!["a", "b", "f"]);
        assert_eq!(parsed.skipped, 1);
        let failed: Vec<_> = parsed
            .failed
            .iter()
            .map(|f| (f.name.as_str(), f.excerpt.as_str()))
            .collect();
        assert_eq!(failed, vec![("c", "only the message"), ("d", "boom")]);
    }

    #[test]
    fn malformed_reports_are_errors_not_panics() {
        for xml in [
            r#"<testsuite><testcase name="a"><failure>x</testcase></testsuite>"#,
            r#"<testsuite><testcase name="a></testcase></testsuite>"#,
            r#"<testsuite><testcase name="a"/></testsuit>"#,
            "<testsuite><testcase name=\"a\"><failure><![CDATA[cut",
            "",
            "\u{0}\u{ffff}<<<>>>",
        ] {
            assert!(parse(xml).is_err(), "{xml}");
        }
        let deep = format!(
            "<testsuite>{}<testcase name=\"deep\"/>{}</testsuite>",
            "<a>".repeat(100_000),
            "</a>".repeat(100_000)
        );
        assert_eq!(parse(&deep).unwrap().passed, vec!["deep"]);
    }
}

#[cfg(test)]
mod properties {
    use super::*;

    /// One test case written in one of the ways runners and agents write them.
    fn case(name: &str, outcome: u8) -> String {
        let escaped = name.replace('&', "&amp;").replace('<', "&lt;");
        match outcome % 5 {
            0 => format!("<testcase name=\"{escaped}\"/>"),
            1 => format!(
                "<testcase name='{escaped}'><system-out><![CDATA[</testcase>]]></system-out></testcase>"
            ),
            2 => format!(
                "<testcase name=\"{escaped}\"><failure><![CDATA[E {name}]]></failure></testcase>"
            ),
            3 => format!(
                "<testcase name=\"{escaped}\"><!-- <failure/> --><error message=\"{escaped}\"/></testcase>"
            ),
            _ => format!("<testcase name=\"{escaped}\">\n<skipped/></testcase>"),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(64))]

        #[test]
        fn every_case_is_counted_once_whatever_its_spelling(
            cases in proptest::collection::vec(("[a-z<&][a-z0-9 <&>]{0,10}", 0u8..5), 0..8),
            nested in proptest::bool::ANY,
        ) {
            let body: String = cases.iter().map(|(name, outcome)| case(name, *outcome)).collect();
            let xml = if nested {
                format!("<testsuites><testsuite><testsuite>{body}</testsuite></testsuite></testsuites>")
            } else {
                format!("<?xml version=\"1.0\"?><testsuite>{body}</testsuite>")
            };
            let parsed = parse(&xml).unwrap();
            let count = |kinds: &[u8]| cases.iter().filter(|(_, o)| kinds.contains(&(o % 5))).count();
            proptest::prop_assert_eq!(parsed.passed.len(), count(&[0, 1]));
            proptest::prop_assert_eq!(parsed.failed.len(), count(&[2, 3]));
            proptest::prop_assert_eq!(parsed.skipped, count(&[4]));
        }

        #[test]
        fn arbitrary_text_never_panics_the_reader(text in "\\PC{0,300}") {
            let _ = parse(&format!("<testsuite>{text}"));
            let _ = parse(&text);
        }
    }
}
