//! `peers serve` and `peers stats`: the pages and analytics of `peers-ctl serve`/`stats` for
//! this one repository (peers-serve). The project's state comes from its run lock and its last
//! stop reason; the only browser action is `revive`, run as this binary's own `peers revive --all`.

use std::path::Path;
use std::time::Duration;

use clap::Args;
use peers_serve::{
    ActionCommand, ActionError, Actions, ListError, NoActions, ProjectEntry, ProjectSource,
    ServeError, SourceAction,
};
use peers_store::layout::PeersDir;
use peers_store::run_lock::LockState;

use crate::error::{CliError, CliResult};
use crate::project::LoadedProject;

#[derive(Debug, Args)]
#[command(after_help = "\
Open the printed address (it carries the token once; the browser keeps it in a cookie); every \
request without the token gets 401. Pages: the run (gate heat map, cost and tokens per peer, \
ticks linking to what the peer saw and did), the diff since the baseline, the bug ledger, the \
reviews, the findings, and /stats. `peers-ctl serve` shows every registered project.")]
#[command(mut_arg("actions", |arg| arg.help(
    "Offer `revive` in the browser (a POST form with a CSRF token); otherwise read-only"
)))]
pub struct ServeArgs {
    #[command(flatten)]
    pub server: peers_serve::ServerArgs,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print the analytics as JSON.
    #[arg(long)]
    pub json: bool,
}

/// This repository as the server's one project.
struct OneProject {
    entry: ProjectEntry,
}

/// running (the run lock is held), stopped (a stop reason was recorded), crashed (ticks but no
/// stop reason: a run clears it at start), else fresh.
fn state_of(root: &Path) -> String {
    let dir = PeersDir::at(root);
    if let Ok(LockState::Held { .. }) = peers_store::run_lock::probe_lock(&dir) {
        return "running".to_owned();
    }
    if let Ok(Some(_)) = peers_store::last_stop::read_last_stop(&dir) {
        return "stopped".to_owned();
    }
    if peers_serve::read::ticks::log_len(root) > 0 {
        return "crashed".to_owned();
    }
    "fresh".to_owned()
}

impl ProjectSource for OneProject {
    fn projects(&self) -> Result<Vec<ProjectEntry>, ListError> {
        let mut entry = self.entry.clone();
        entry.state = state_of(&entry.path);
        Ok(vec![entry])
    }
}

struct Revive;

impl Actions for Revive {
    fn supported(&self) -> &[SourceAction] {
        &[SourceAction::Revive]
    }

    fn run(&self, action: SourceAction, project: &ProjectEntry) -> Result<String, ActionError> {
        if action != SourceAction::Revive {
            return Err(ActionError::NotAvailable { action });
        }
        ActionCommand {
            program: peers_serve::this_binary("peers")?,
            label: "peers revive".to_owned(),
            cwd: project.path.clone(),
            args: vec!["revive".into(), "--all".into()],
            timeout: Duration::from_secs(60),
        }
        .run()
    }
}

fn entry(project: &LoadedProject) -> ProjectEntry {
    let root = project.root().to_path_buf();
    ProjectEntry {
        name: root.file_name().map_or_else(
            || "project".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        ),
        state: state_of(&root),
        path: root,
        note: None,
    }
}

pub fn serve(directory: Option<&Path>, args: &ServeArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let server = &args.server;
    let settings = server.settings().map_err(ServeError::Token)?;
    let access = settings.tokens.access().to_owned();
    let entry = entry(&project);
    let path = format!("/p/{}", peers_serve::html::url_part(&entry.name));
    let actions: Box<dyn Actions> = if server.actions {
        Box::new(Revive)
    } else {
        Box::new(NoActions)
    };
    peers_serve::serve(settings, Box::new(OneProject { entry }), actions, |addr| {
        use std::io::Write as _;
        let url = server.url(addr, &path, &access);
        let mode = if server.actions {
            "revive enabled"
        } else {
            "read-only"
        };
        let mut out = std::io::stdout();
        let _ = writeln!(out, "serving on {url} ({mode}; Ctrl-C stops)");
        let _ = out.flush();
    })?;
    Ok(0)
}

/// A bad `--token-file` is a usage error; a missing random source or a port in use is not.
impl From<ServeError> for CliError {
    fn from(err: ServeError) -> Self {
        let error = if err.is_usage() {
            CliError::usage(err.to_string())
        } else {
            CliError::failed(err.to_string())
        };
        match err.hint() {
            Some(hint) => error.hint(hint),
            None => error,
        }
    }
}

pub fn stats(directory: Option<&Path>, args: &StatsArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let (records, problems) = peers_serve::stats::gather(&[entry(&project)]);
    for problem in &problems {
        eprintln!("warning: {problem}");
    }
    let stats = peers_serve::collect_stats(&records);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&stats).unwrap_or_default()
        );
    } else {
        print!("{}", peers_serve::stats::render_text(&stats));
    }
    Ok(0)
}
