//! HTML building blocks shared by the pages: escaping, the page shell (navigation, the embedded
//! stylesheet and script, the live-update source), numbers and money as shown, the action forms.

use std::fmt::Write as _;

use crate::source::SourceAction;

pub const APP_CSS: &str = include_str!("assets/app.css");
pub const APP_JS: &str = include_str!("assets/app.js");

/// `text` safe inside HTML text and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` as one URL path segment or query value.
pub fn url_part(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

pub fn usd(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("${v:.2}"))
}

pub fn count(value: Option<u64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| v.to_string())
}

/// What a page tells the shell.
pub struct Shell<'a> {
    pub title: &'a str,
    /// The server-sent-events URL that announces changes to this page, if it is live.
    pub live: Option<String>,
}

/// The whole document around `main`.
pub fn page(shell: &Shell<'_>, main: &str) -> String {
    let live = shell
        .live
        .as_deref()
        .map(|url| format!(r#" data-live="{}""#, escape(url)))
        .unwrap_or_default();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · peers</title><link rel="stylesheet" href="/assets/app.css"><script src="/assets/app.js" defer></script></head>
<body{live}><header><nav><a href="/">Fleet</a><a href="/stats">Analytics</a></nav><span class="live-state" id="live-state"></span></header>
<main>
{main}
</main></body></html>
"#,
        title = escape(shell.title)
    )
}

/// A POST form for `action` on `project`, carrying the CSRF token.
pub fn action_form(project: &str, action: SourceAction, csrf: &str) -> String {
    format!(
        r#"<form class="action" method="post" action="/p/{}/action/{}"><input type="hidden" name="csrf" value="{}"><button type="submit" data-action="{}">{}</button></form>"#,
        url_part(project),
        action.as_str(),
        escape(csrf),
        action.as_str(),
        action.as_str()
    )
}

/// The project sub-navigation.
pub fn project_nav(name: &str) -> String {
    let base = format!("/p/{}", url_part(name));
    format!(
        r#"<nav class="sub"><a href="{base}">Run</a><a href="{base}/diff">Diff</a><a href="{base}/bugs">Bugs</a><a href="{base}/reviews">Reviews</a><a href="{base}/findings">Findings</a></nav>"#
    )
}
