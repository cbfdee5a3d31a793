//! "Is this tool installed": a test that needs a language tool skips loudly when it is missing,
//! except in CI (`CI=true`), where the setup scripts install every tool and a missing one fails.

/// Whether an executable file named `tool` is in a `PATH` directory.
pub fn on_path(tool: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| dir.join(tool).is_file())
}

/// True when `tool` is on `PATH`. Otherwise panics when `CI=true` and prints a loud
/// `SKIPPED` line and returns false elsewhere, so the caller returns early.
pub fn tool_or_skip(tool: &str) -> bool {
    if on_path(tool) {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "`{tool}` is not on PATH in CI: .ci/setup.d/20-toolchains.sh must install it"
    );
    eprintln!(
        "\n!!! SKIPPED: `{tool}` is not on PATH (source .ci/setup.d/20-toolchains.sh to run this test)\n"
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_tool_every_machine_has_and_not_a_made_up_one() {
        assert!(on_path("sh"));
        assert!(!on_path("peers-testkit-no-such-tool"));
    }
}
