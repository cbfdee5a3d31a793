//! The pages, one module each, all `fn(...) -> String` of complete HTML: `fleet` (every
//! project), `run` (one project's run), `tick` (what one peer saw and did), `project` (diff,
//! bugs, reviews, findings) and `stats` (analytics). What every page needs from the server is
//! in [`Context`].

pub mod fleet;
pub mod project;
pub mod run;
pub mod stats;
pub mod tick;

use crate::source::SourceAction;

/// What a page needs beyond the records: the CSRF token for forms and the enabled actions.
pub struct Context<'a> {
    pub csrf: &'a str,
    pub actions: &'a [SourceAction],
}

/// A page for something that is not there (a 404's body).
pub fn not_found(what: &str) -> String {
    crate::html::page(
        &crate::html::Shell {
            title: "not found",
            live: None,
        },
        &format!(
            "<h1>Not found</h1><p>{}</p><p><a href=\"/\">Back to the fleet</a></p>",
            crate::html::escape(what)
        ),
    )
}
