//! Integration tests of the `peers` binary, one module per command, sharing one `TestEnv`.

mod cli;
mod test_env;
