//! Keys of the original tool's config.yaml that peers accepts but does not act on: each one
//! becomes a notice saying so and why, so nothing in the file is silently inert.

use crate::config::ConfigNotice;
use crate::decode_error::DecodeError;
use crate::yaml::fields::{Field, Map};

/// Top-level keys peers ignores, with the reason shown to the user.
const IGNORED_TOP: &[(&str, &str)] = &[
    (
        "pipeline_gates",
        "peers runs every hard gate in parallel on each tick, so there is nothing to pipeline",
    ),
    (
        "observability",
        "peers always records each peer's output in the run log; there is no tee setting",
    ),
    (
        "graphify_mcp",
        "it configured the original's container mode, which peers does not have",
    ),
    (
        "egress_allow",
        "it configured the original's container egress proxy, which peers does not have",
    ),
    (
        "research",
        "the original's research web modality is not part of peers",
    ),
];

pub(super) fn notice(field: &Field<'_>, why: &str) -> ConfigNotice {
    ConfigNotice {
        key: field.path.clone(),
        span: field.node.span,
        message: format!("ignored: {why}"),
    }
}

pub(super) fn top_level(top: &Map<'_>, notices: &mut Vec<ConfigNotice>) -> Result<(), DecodeError> {
    for (key, why) in IGNORED_TOP {
        if let Some(field) = top.field(key) {
            // The original rejected a quoted 'false' here; keep that so old mistakes still show.
            if *key == "pipeline_gates" {
                field.bool()?;
            }
            notices.push(notice(&field, why));
        }
    }
    Ok(())
}
