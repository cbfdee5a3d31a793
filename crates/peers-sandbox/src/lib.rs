//! Runs one agent command confined: user, mount, pid, net, ipc and uts namespaces, a tmpfs root
//! holding only what the turn needs, cap drop, `no_new_privs`, Landlock and a seccomp deny-list.
//!
//! The launcher calls [`confine`] with a prepared `peers_process::CommandSpec`, a [`Policy`] and
//! the path of the `peers` executable, and runs the spec it gets back as usual. That spec
//! re-executes `peers __sandbox-exec`, whose [`helper_main`] builds the sandbox in a fresh,
//! single-threaded process: unshare the namespaces, fork the pid namespace's init, which mounts
//! the view, pivots into it, brings up `lo` and forks the command with every privilege dropped.
//! When the command exits, init exits and the kernel kills whatever the command left behind; a
//! parent-death signal chain kills the sandbox if peers dies. Nothing ever runs unconfined: a
//! step the kernel refuses ends the helper with [`SETUP_FAILED_EXIT_CODE`] and a message naming
//! the missing feature and its fix. [`probe`] reports those features for `peers doctor`.
//!
//! The podman backend ([`confine_podman`], helper `peers __podman-exec`) gives the same view
//! in a throwaway container per turn; [`probe_podman`] checks it for `peers doctor`.

mod agent;
mod cgroup;
mod confine;
mod error;
mod gitdirs;
mod handover;
mod helper;
mod init;
mod landlock_rules;
mod leftovers;
mod mounts;
mod podman;
mod policy;
mod probe;
mod seccomp_filter;
mod sys;

pub use confine::{HELPER_SUBCOMMAND, SETUP_FAILED_EXIT_CODE, confine};
pub use error::{ProbeError, SandboxError, SetupStep};
pub use handover::{HandOver, HandOverSocket, MAX_LISTENERS};
pub use helper::helper_main;
pub use leftovers::{LEFT_RUNNING_MARKER, left_running};
pub use podman::{
    Drift, PODMAN_HELPER_SUBCOMMAND, PODMAN_INIT_SUBCOMMAND, Podman, PodmanLimits, PodmanProbe,
    Root, VERSION_LABEL, confine_podman, podman_helper_main, podman_init_main, probe_podman,
    version_drift,
};
pub use policy::{Network, PROTECTED_GIT_PATHS, Policy, SYSTEM_DIRS};
pub use probe::{CgroupSupport, Probe, probe};
