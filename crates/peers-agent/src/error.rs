//! Why a peer could not be prepared or supervised at all (a peer that runs and fails is a
//! `PeerRun` with a `Classification`, not an error).

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(
        "peer `{peer}` has an empty argv; set `argv:` in .peers/config.yaml or use a known tool"
    )]
    EmptyArgv { peer: String },
    #[error(
        "peer `{peer}` uses prompt_mode {mode} but its argv has no {placeholder} placeholder; add it to `argv:` or change `prompt_mode:`"
    )]
    MissingPlaceholder {
        peer: String,
        mode: &'static str,
        placeholder: &'static str,
    },
    #[error("cannot write the prompt file `{}`", path.display())]
    PromptFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the prompt file path `{}` is not valid UTF-8; use a scratch directory with a UTF-8 path", path.display())]
    NonUtf8Path { path: PathBuf },
    #[error("{key}[{index}] `{pattern}` is not a valid regex: {message}")]
    BadPattern {
        key: String,
        index: usize,
        pattern: String,
        message: String,
    },
    #[error("cannot start {call} of peer `{peer}`")]
    Launch {
        peer: String,
        call: crate::launch::CallKind,
        #[source]
        source: crate::launch::LaunchError,
    },
    #[error("cannot run peer `{peer}`")]
    Spawn {
        peer: String,
        #[source]
        source: peers_process::SpawnError,
    },
}
