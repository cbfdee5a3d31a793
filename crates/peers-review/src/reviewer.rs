//! One reviewer: a configured peer, called read-only and resuming its session where its CLI
//! allows. The command line of each call (read-only and resume flags, prompt delivery) is
//! built by the CLI's adapter in peers-agent, the same code that builds the loop's turns.

use std::path::Path;

use peers_agent::resolve_command;
use peers_agent::{CallShape, PreparedCommand, prepare_call, read_only_label, resumes_sessions};
use peers_core::config::{PeerSettings, ToolKind};

use crate::error::ReviewError;

/// A reviewer, ready to be invoked for any round.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub name: String,
    pub tool: ToolKind,
    /// How read-only is enforced, for the report.
    pub read_only: String,
    peer: PeerSettings,
}

impl Reviewer {
    /// The reviewer for a configured peer; refuses a peer without a command line.
    pub fn from_peer(peer: &PeerSettings) -> Result<Self, ReviewError> {
        if resolve_command(peer).argv.is_empty() {
            return Err(ReviewError::EmptyCommand {
                name: peer.name.clone(),
            });
        }
        Ok(Self {
            name: peer.name.clone(),
            tool: peer.tool.clone(),
            read_only: read_only_label(&peer.tool),
            peer: peer.clone(),
        })
    }

    /// The peer as configured (its `env:` names and overrides shape the environment).
    pub fn peer(&self) -> &PeerSettings {
        &self.peer
    }

    /// Claude and codex can continue a session; the others always start fresh.
    pub fn supports_resume(&self) -> bool {
        resumes_sessions(&self.tool)
    }

    /// The read-only command for one call; `session` resumes it when the tool supports that,
    /// and a prompt that travels by file is written to `prompt_file`.
    pub fn command(
        &self,
        prompt: &str,
        session: Option<&str>,
        prompt_file: &Path,
    ) -> Result<PreparedCommand, ReviewError> {
        let shape = CallShape {
            read_only: true,
            resume: session,
        };
        prepare_call(&self.peer, prompt, prompt_file, shape).map_err(|source| {
            ReviewError::Command {
                name: self.name.clone(),
                source,
            }
        })
    }
}
