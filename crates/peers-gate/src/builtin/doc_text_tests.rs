//! Documentation reading: doc paths, headings in and out of code, section bodies, filler.

use super::*;

const PROSE: &str = "The parser reads one line at a time and keeps a stack of open blocks; \
    when a line closes a block the stack is popped and the finished node is handed to the \
    renderer, which writes it out before the next line is read from the input stream.";

#[test]
fn doc_paths_are_text_documents_and_docs_pictures_but_never_code() {
    let none: Vec<String> = Vec::new();
    for path in [
        "README.md",
        "docs/guide.rst",
        "LICENSE",
        "docs/img/flow.svg",
        "a/CHANGELOG.txt",
    ] {
        assert!(is_doc_path(path, &none), "{path}");
    }
    for path in [
        "src/lib.rs",
        "docs/conf.py",
        "Cargo.toml",
        ".gitignore",
        "notes.md.rs",
        "img/x.png",
    ] {
        assert!(!is_doc_path(path, &none), "{path}");
    }
    assert!(is_doc_path("CODEMAP.yaml", &["CODEMAP.yaml".to_owned()]));
}

#[test]
fn headings_ignore_code_fences_and_comments_and_read_setext_and_html() {
    let text = "# Title\n\n```\n## not a heading\n```\n<!-- ## hidden -->\nData flow\n---------\n<h2>API</h2>\n";
    let found: Vec<(usize, String)> = headings(text)
        .into_iter()
        .map(|h| (h.level, h.text))
        .collect();
    assert_eq!(
        found,
        [
            (1, "Title".to_owned()),
            (2, "Data flow".to_owned()),
            (2, "API".to_owned())
        ]
    );
}

#[test]
fn a_section_body_runs_to_the_next_heading_of_its_level_and_keeps_subsections() {
    let text = "## A\nfirst\n### A.1\nsecond\n## B\nthird\n";
    let bodies = section_bodies(text);
    assert_eq!(bodies[0].0.text, "A");
    assert!(bodies[0].1.contains("first") && bodies[0].1.contains("second"));
    assert!(!bodies[0].1.contains("third"));
    assert_eq!(bodies[2].1.trim(), "third");
}

#[test]
fn substance_passes_and_each_kind_of_filler_is_named() {
    assert_eq!(filler_reason(PROSE, 25), None);
    assert!(filler_reason("Short body.", 25).unwrap().contains("words"));
    let repeated = "data flows here ".repeat(20);
    assert!(filler_reason(&repeated, 25).unwrap().contains("distinct"));
    let todo = format!("{PROSE} TODO: finish.");
    assert!(filler_reason(&todo, 25).unwrap().contains("TODO"));
    let lorem = format!("Lorem ipsum dolor sit amet. {PROSE}");
    assert!(filler_reason(&lorem, 25).unwrap().contains("lorem ipsum"));
    let sentence = "Each request is checked against the policy before it runs. ";
    let thrice = format!("{PROSE} {}", sentence.repeat(3));
    assert!(filler_reason(&thrice, 25).unwrap().contains("3 times"));
    let hidden = format!("<!-- {PROSE} -->\nshort");
    let visible: String = section_bodies(&format!("## X\n{hidden}"))[0].1.clone();
    assert!(
        filler_reason(&visible, 25).is_some(),
        "a comment is not a body"
    );
}

#[test]
fn a_todo_list_application_is_not_a_placeholder() {
    let text = format!("{PROSE} The todo list view shows every open item of the user.");
    assert_eq!(filler_reason(&text, 25), None);
}

#[test]
fn new_section_lines_include_bold_pseudo_headings() {
    assert!(is_section_line("## Performance"));
    assert!(is_section_line("**Performance**"));
    assert!(is_section_line("<h3>Performance</h3>"));
    assert!(!is_section_line("The **fast** path is taken first."));
    assert!(!is_section_line("- a list item"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Agents write these documents: no text makes the readers panic.
    #[test]
    fn reading_any_text_never_panics(text in "(\\PC|\n|#|`|<!--|-->|\\*\\*|\\[\\[|\\]\\]|===|---){0,300}") {
        let _ = headings(&text);
        for (_, body) in section_bodies(&text) {
            let _ = filler_reason(&body, 25);
        }
        for line in text.lines() {
            let _ = is_section_line(line);
        }
        let _ = is_doc_path(&text, &[]);
    }
}
