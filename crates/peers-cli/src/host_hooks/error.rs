//! Why one agent CLI's hook was left alone by `peers hooks install|uninstall|snippets`: no
//! single peer uses the CLI, or its configuration file is not one peers may change.

use std::path::PathBuf;

/// Why one side was skipped; its Display is the `why` of the printout and of `--json`.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("no peer uses tool {tool}")]
    NoPeer { tool: String },
    #[error(
        "peers {} all use tool {tool}, and its Stop hook cannot tell their sessions apart",
        peers.join(", ")
    )]
    SharedTool { tool: String, peers: Vec<String> },
    /// The configuration file as found is not one peers merges into; `snippet` is the one
    /// in `.peers/hooks/` to merge by hand.
    #[error("{problem}; left alone (merge .peers/hooks/{snippet} by hand)")]
    LeftAlone {
        snippet: String,
        problem: FileProblem,
    },
    /// The file's `hooks` has a shape peers does not know.
    #[error("{shape} in {}; left alone (merge the snippet by hand)", path.display())]
    Unexpected { shape: Shape, path: PathBuf },
    #[error("no free backup name next to {}", path.display())]
    NoBackupName { path: PathBuf },
    #[error("{} has no parent directory", path.display())]
    NoParent { path: PathBuf },
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: FileAction,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Encode(serde_json::Error),
}

/// What is wrong with a configuration file found at `path`.
#[derive(Debug, thiserror::Error)]
pub enum FileProblem {
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is a symlink", path.display())]
    Symlink { path: PathBuf },
    #[error("{} is not a regular file", path.display())]
    NotRegular { path: PathBuf },
    #[error("{} is larger than 4 MiB", path.display())]
    TooLarge { path: PathBuf },
    #[error(
        "{} is not valid JSON (line {}, column {})",
        path.display(),
        source.line(),
        source.column()
    )]
    InvalidJson {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{} does not hold a JSON object", path.display())]
    NotObject { path: PathBuf },
}

/// Which part of `hooks` is not the shape the CLI documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// `hooks` is there but is not an object.
    HooksNotObject,
    /// `hooks.<event>` is there but is not a list.
    EventNotList { event: String },
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::HooksNotObject => f.write_str("`hooks` is not an object"),
            Self::EventNotList { event } => write!(f, "`hooks.{event}` is not a list"),
        }
    }
}

/// The file operation that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileAction {
    Create,
    Write,
    Replace,
    Remove,
}

impl std::fmt::Display for FileAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Create => "create",
            Self::Write => "write",
            Self::Replace => "replace",
            Self::Remove => "remove",
        })
    }
}
