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
    if let Some(field) = top.field("driver") {
        driver(&field, notices)?;
    }
    if let Some(field) = top.field("comm") {
        comm(&field, notices)?;
    }
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

fn driver(field: &Field<'_>, notices: &mut Vec<ConfigNotice>) -> Result<(), DecodeError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Driver {
        Orchestrator,
        Unsupported,
    }
    let mode = field.choice(&[
        ("orchestrator", Driver::Orchestrator),
        ("hooks", Driver::Unsupported),
        ("sessions", Driver::Unsupported),
    ])?;
    if mode == Driver::Unsupported {
        let found = field.node.describe();
        return Err(field
            .err(format!("driver {found} is not supported"))
            .with_hint(
                "peers always drives the peers itself; remove driver: or set it to orchestrator",
            ));
    }
    notices.push(notice(
        field,
        "peers always runs as the orchestrator; driver: is only accepted for compatibility",
    ));
    Ok(())
}

fn comm(field: &Field<'_>, notices: &mut Vec<ConfigNotice>) -> Result<(), DecodeError> {
    let hybrid = field.choice(&[("git", false), ("hybrid", true)])?;
    if hybrid {
        notices.push(notice(
            field,
            "peers communicates through git commits only; hybrid is read as git",
        ));
    }
    Ok(())
}
