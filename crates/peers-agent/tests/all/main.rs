//! Integration tests of peers-agent: each CLI's recorded output through `invoke`, the
//! supervisor against small shell scripts, prompt delivery, and config.yaml peers turned into
//! commands.

mod call_shape;
mod config_files;
mod parsers;
mod patterns;
mod prompt;
mod supervisor;
#[expect(
    clippy::unwrap_used,
    reason = "test setup should panic loudly when the host cannot run a shell"
)]
mod support;
