# Installs the four real agent CLIs at pinned versions (shared/reference/agent-clis.md) into
# $PEERS_CI_CACHE/agent-clis/<name>, for the real-CLI conformance tests of peers-cli.
# Sourced by .ci/run. Idempotent and quiet; a warm cache costs one `node` read per CLI.
# Exports PEERS_TEST_CLI_DIR: the tests find <dir>/<name>/node_modules/.bin/<bin> there.
#
# Pins: claude must be pinned explicitly: on node 20 an unpinned install silently picks an
# older release (the latest declares engines.node >= 22, yet its native binary runs on 20).
# claude and opencode copy their native binary into place in a postinstall script, so install
# scripts must stay enabled (npm 11 warns about allowScripts but runs them).

peers_agent_clis() {
    local root="${PEERS_CI_CACHE:-$HOME/.cache/peers-ci}/agent-clis"
    local spec name pkg version bin installed
    mkdir -p "$root"
    for spec in \
        "codex @openai/codex 0.169.0 codex" \
        "claude @anthropic-ai/claude-code 2.1.330 claude" \
        "opencode opencode-ai 1.18.33 opencode" \
        "gemini @google/gemini-cli 0.61.0 gemini"; do
        read -r name pkg version bin <<<"$spec"
        installed="$(node -p "require('$root/$name/node_modules/$pkg/package.json').version" 2>/dev/null || true)"
        if [ "$installed" = "$version" ] && [ -x "$root/$name/node_modules/.bin/$bin" ]; then
            continue
        fi
        echo "   installing $pkg@$version"
        if ! npm install --prefix "$root/$name" --no-audit --no-fund --loglevel=error \
            "$pkg@$version" >"$root/$name.install.log" 2>&1; then
            echo "   FAILED to install $pkg@$version (log: $root/$name.install.log)" >&2
            tail -n 20 "$root/$name.install.log" >&2
            return 1
        fi
    done
    export PEERS_TEST_CLI_DIR="$root"
}

if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
    peers_agent_clis || echo "   agent CLIs: install failed; the real-CLI tests will fail under CI=true" >&2
else
    echo "   agent CLIs: node/npm not found; the real-CLI tests will fail under CI=true" >&2
fi
