//! `peers run` and `peers review` with the four REAL agent CLIs (codex, claude, opencode,
//! gemini, installed at pinned versions by `.ci/setup.d/10-agent-clis.sh`) against the scripted
//! model server of `peers-model-server`, each test inside a loopback-only network namespace
//! when the machine allows one. Where the CLIs are not installed the tests skip LOUDLY; with
//! `CI=true` they fail instead.

mod agent_cli;
mod api_errors;
mod handoff;
mod hooks_codex;
mod isolation;
mod prices;
mod review;
mod review_cost;
mod rig;
