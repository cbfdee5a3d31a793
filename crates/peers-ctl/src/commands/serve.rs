//! `serve` and `stats`: the browser view of the registry's projects (peers-serve) and its
//! analytics on the terminal. The server reads the registry on every page (reconciled, like
//! every other command); its actions run this very binary (`stop`, `start`) and `peers revive`,
//! so the browser and the command line share one code path.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use peers_serve::{
    ActionCommand, ActionError, Actions, ListError, NoActions, ProjectEntry, ProjectSource,
    ServeError, ServerArgs, SourceAction,
};

use crate::commands::print_json;
use crate::error::{CtlError, CtlResult};
use crate::reconcile::load_reconciled;

/// How long one action may take (stop waits its grace period, then kills).
const ACTION_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Args)]
#[command(after_help = "\
Open the printed address (it carries the token once; the browser keeps it in a cookie). Every \
request without the token gets 401. Pages: the fleet (sort and filter by the column links), one \
run (gate heat map, cost/tokens per peer, ticks linking to what the peer saw and did), its diff \
since the baseline, bug ledger, reviews, findings, and /stats (analytics; /stats.json as JSON). \
With --actions each run page offers stop, start and revive (POST forms with a CSRF token).")]
#[command(mut_arg("actions", |arg| arg.help(
    "Offer stop, start and revive in the browser (otherwise read-only)"
)))]
pub struct ServeArgs {
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Only these projects (default: every registered project).
    pub names: Vec<String>,
    /// Print the analytics as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The registry as the server's project list.
struct RegistrySource {
    config: PathBuf,
}

impl ProjectSource for RegistrySource {
    fn projects(&self) -> Result<Vec<ProjectEntry>, ListError> {
        let registry = load_reconciled(&self.config).map_err(ListError::new)?;
        Ok(registry
            .projects
            .into_iter()
            .map(|project| ProjectEntry {
                name: project.name,
                path: project.path,
                state: project.state.as_str().to_owned(),
                note: project.note,
            })
            .collect())
    }
}

/// Actions through this binary's own commands and `peers revive`.
struct CtlActions {
    config: PathBuf,
}

impl Actions for CtlActions {
    fn supported(&self) -> &[SourceAction] {
        &SourceAction::ALL
    }

    fn run(&self, action: SourceAction, project: &ProjectEntry) -> Result<String, ActionError> {
        let (program, cwd, args) = match action {
            SourceAction::Stop | SourceAction::Start => (
                peers_serve::this_binary("peers-ctl")?,
                self.config.clone(),
                vec![
                    "--config-dir".into(),
                    self.config.clone().into_os_string(),
                    action.as_str().into(),
                    project.name.clone().into(),
                ],
            ),
            SourceAction::Revive => (
                crate::launch::peers_binary().map_err(|e| ActionError::Caller(e.into()))?,
                project.path.clone(),
                vec!["revive".into(), "--all".into()],
            ),
        };
        ActionCommand {
            label: program.display().to_string(),
            program,
            cwd,
            args,
            timeout: ACTION_TIMEOUT,
        }
        .run()
    }
}

pub fn serve(config: &Path, args: &ServeArgs) -> CtlResult<u8> {
    let server = &args.server;
    let settings = server.settings().map_err(ServeError::Token)?;
    // The registry must be readable before the server starts.
    load_reconciled(config)?;
    let access = settings.tokens.access().to_owned();
    let source = Box::new(RegistrySource {
        config: config.to_path_buf(),
    });
    let actions: Box<dyn Actions> = if server.actions {
        Box::new(CtlActions {
            config: config.to_path_buf(),
        })
    } else {
        Box::new(NoActions)
    };
    peers_serve::serve(settings, source, actions, |addr| {
        print_ready(&server.url(addr, "/", &access), server.actions);
    })?;
    Ok(0)
}

impl From<ServeError> for CtlError {
    fn from(err: ServeError) -> Self {
        let error = if err.is_usage() {
            CtlError::usage(err.to_string())
        } else {
            CtlError::failed(err.to_string())
        };
        match err.hint() {
            Some(hint) => error.hint(hint),
            None => error,
        }
    }
}

/// The address to open, printed (and flushed) once the server listens.
fn print_ready(url: &str, actions: bool) {
    use std::io::Write as _;
    let mode = if actions {
        "actions enabled"
    } else {
        "read-only"
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "serving on {url} ({mode}; Ctrl-C stops)");
    let _ = out.flush();
}

pub fn stats(config: &Path, args: &StatsArgs) -> CtlResult<u8> {
    let registry = load_reconciled(config)?;
    for name in &args.names {
        registry.find(name)?;
    }
    let entries: Vec<ProjectEntry> = registry
        .projects
        .into_iter()
        .filter(|p| args.names.is_empty() || args.names.contains(&p.name))
        .map(|p| ProjectEntry {
            name: p.name,
            path: p.path,
            state: p.state.as_str().to_owned(),
            note: p.note,
        })
        .collect();
    let (records, problems) = peers_serve::stats::gather(&entries);
    for problem in &problems {
        eprintln!("warning: {problem}");
    }
    let stats = peers_serve::collect_stats(&records);
    if args.json {
        print_json(&stats)?;
    } else {
        print!("{}", peers_serve::stats::render_text(&stats));
    }
    Ok(0)
}
