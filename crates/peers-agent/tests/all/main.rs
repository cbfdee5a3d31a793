//! Integration tests of peers-agent: each CLI's recorded output through `invoke`, the
//! supervisor against small shell scripts, and prompt delivery.

mod call_shape;
mod parsers;
mod patterns;
mod prompt;
mod supervisor;
#[expect(
    clippy::unwrap_used,
    reason = "test setup should panic loudly when the host cannot run a shell"
)]
mod support;
