//! Tests of the spanned YAML tree: scalar resolution, spans, aliases, and parse errors.

use super::*;

fn parse(source: &str) -> Node {
    parse_document(source, "t.yaml").unwrap().unwrap()
}

fn parse_err(source: &str) -> String {
    parse_document(source, "t.yaml").unwrap_err().to_string()
}

fn entries(node: &Node) -> &[(Key, Node)] {
    match &node.value {
        Value::Mapping(entries) => entries,
        other => panic!("not a mapping: {other:?}"),
    }
}

#[test]
fn plain_scalars_resolve_by_core_schema() {
    for (text, want) in [
        ("~", Value::Null),
        ("null", Value::Null),
        ("True", Value::Bool(true)),
        ("FALSE", Value::Bool(false)),
        ("42", Value::Int(42)),
        ("-7", Value::Int(-7)),
        ("+3", Value::Int(3)),
        ("0x1F", Value::Int(31)),
        ("0o17", Value::Int(15)),
        ("1.5", Value::Float(1.5)),
        ("1e3", Value::Float(1000.0)),
        (".5", Value::Float(0.5)),
        ("-.inf", Value::Float(f64::NEG_INFINITY)),
    ] {
        assert_eq!(resolve_plain(text), want, "{text}");
    }
    assert!(matches!(resolve_plain(".nan"), Value::Float(x) if x.is_nan()));
    // Too large for i64: the core schema's float pattern also matches digit strings.
    assert_eq!(resolve_plain("99999999999999999999"), Value::Float(1e20));
}

#[test]
fn yaml_1_1_words_stay_strings() {
    for text in ["yes", "no", "on", "off", "1_000", "1.2.3", ".", "0x", "e5"] {
        assert!(matches!(resolve_plain(text), Value::Str { .. }), "{text}");
    }
}

#[test]
fn quoted_false_is_a_string() {
    let root = parse("a: 'false'\nb: \"12\"\nc: false\nd: !!str true\n");
    let e = entries(&root);
    assert_eq!(
        e[0].1.value,
        Value::Str {
            text: "false".into(),
            style: ScalarStyle::SingleQuoted
        }
    );
    assert_eq!(
        e[1].1.value,
        Value::Str {
            text: "12".into(),
            style: ScalarStyle::DoubleQuoted
        }
    );
    assert_eq!(e[2].1.value, Value::Bool(false));
    assert_eq!(e[3].1.as_str(), Some("true"));
}

#[test]
fn spans_are_one_based_and_point_at_keys_and_values() {
    let root = parse("peers:\n  - name: claude\n    argv: ['x']\nempty:\n");
    assert_eq!(root.span, Span::new(1, 1));
    let e = entries(&root);
    assert_eq!(e[0].0.span, Span::new(1, 1));
    let Value::Sequence(items) = &e[0].1.value else {
        panic!()
    };
    assert_eq!(items[0].span, Span::new(2, 5));
    let peer = entries(&items[0]);
    assert_eq!(peer[0].1.span, Span::new(2, 11));
    assert_eq!(peer[1].1.span, Span::new(3, 11));
    assert!(e[1].1.is_null());
}

#[test]
fn content_span_skips_the_opening_quote() {
    let root = parse("a: 'x'\nb: y\n");
    let e = entries(&root);
    assert_eq!(e[0].1.content_span(), Span::new(1, 5));
    assert_eq!(e[1].1.content_span(), Span::new(2, 4));
}

#[test]
fn aliases_clone_the_anchored_node() {
    let root = parse("a: &x {k: 1}\nb: *x\n");
    let e = entries(&root);
    assert_eq!(e[0].1.value, e[1].1.value);
    assert_eq!(e[1].1.span, Span::new(2, 4));
}

#[test]
fn billion_laughs_is_refused() {
    let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..8 {
        let p = i - 1;
        doc.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let err = parse_err(&doc);
    assert!(
        err.contains("aliases expand to more than 10000 nodes"),
        "{err}"
    );
}

#[test]
fn duplicate_keys_name_both_lines() {
    assert_eq!(
        parse_err("a: 1\nb: 2\na: 3\n"),
        "t.yaml:3:1: duplicate key 'a': first on line 1, again on line 3"
    );
}

#[test]
fn several_documents_are_refused() {
    assert_eq!(
        parse_err("a: 1\n---\nb: 2\n"),
        "t.yaml:2:1: more than one YAML document in this file"
    );
}

#[test]
fn syntax_errors_carry_the_parser_position() {
    assert_eq!(
        parse_err("a: 1\nb: [1, 2\n"),
        "t.yaml:3:1: invalid YAML: while parsing a flow sequence, expected ',' or ']'"
    );
}

#[test]
fn empty_and_comment_only_sources_have_no_document() {
    assert_eq!(parse_document("", "t.yaml").unwrap(), None);
    assert_eq!(parse_document("# nothing\n", "t.yaml").unwrap(), None);
    assert!(parse("~\n").is_null());
}

#[test]
fn deep_nesting_is_refused() {
    let doc = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert!(parse_err(&doc).contains("nesting deeper than 64 levels"));
}

#[test]
fn custom_tags_are_refused() {
    assert_eq!(
        parse_err("a: !secret x\n"),
        "t.yaml:1:4: YAML tag !secret is not supported"
    );
}

#[test]
fn describe_quotes_strings_only() {
    let root = parse("a: ten\nb: 1.5\nc: [1]\nd: ~\n");
    let found: Vec<String> = entries(&root).iter().map(|(_, v)| v.describe()).collect();
    assert_eq!(found, ["\"ten\"", "1.5", "a list", "null"]);
}
