# shellcheck shell=bash
# The language toolchains the runner gates' tests drive (peers-gate builtin/runners): Go from
# Debian, Python tools in a venv and JS tools from npm, both pinned, both kept in
# $PEERS_CI_CACHE so a warm run only checks stamps. Sourced by .ci/run; exports PATH.

peers_toolchains="${PEERS_CI_CACHE:?PEERS_CI_CACHE must be set (source this from .ci/run)}/toolchains"
mkdir -p "$peers_toolchains"

# Bump a pin here and the next run reinstalls (the stamp is the pin list itself).
peers_python_pins="pytest==9.2.0 coverage==7.17.3 ruff==0.17.5 mypy==2.4.1"
# jest rather than vitest: vitest 5 needs Node >= 22 and this machine has Node 20.
peers_npm_pins='"jest": "30.5.2", "c8": "12.0.0", "eslint": "10.15.0", "typescript": "5.9.3"'

peers_stamp_matches() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# Go: Debian's golang-go (the only Go this machine's registries offer).
if ! command -v go >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "toolchains: installing golang-go from Debian"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null 2>&1
    elif [ "${CI:-}" = true ]; then
        echo "toolchains: go is missing and apt-get is unavailable; the Go gate tests need it" >&2
        return 1
    else
        echo "toolchains: WARNING go is missing and apt-get is unavailable: Go gate tests will skip" >&2
    fi
fi
# Go's module and build caches in the cache too, so the sample modules build warm.
export GOPATH="$peers_toolchains/gopath"
export GOCACHE="$peers_toolchains/gocache"
export GOFLAGS="-mod=mod"
export GOTOOLCHAIN=local
export GOPROXY=off

# Python: a venv in the cache with the pinned tools.
peers_venv="$peers_toolchains/python-venv"
if ! peers_stamp_matches "$peers_venv/.peers-pins" "$peers_python_pins"; then
    echo "toolchains: installing $peers_python_pins"
    rm -rf "$peers_venv"
    python3 -m venv "$peers_venv"
    # shellcheck disable=SC2086
    "$peers_venv/bin/python" -m pip install --quiet --disable-pip-version-check $peers_python_pins
    printf '%s' "$peers_python_pins" >"$peers_venv/.peers-pins"
fi

# JS: the pinned tools installed into one prefix in the cache.
peers_npm="$peers_toolchains/npm"
if ! peers_stamp_matches "$peers_npm/.peers-pins" "$peers_npm_pins"; then
    echo "toolchains: installing $peers_npm_pins"
    rm -rf "$peers_npm"
    mkdir -p "$peers_npm"
    printf '{"name": "peers-ci-tools", "private": true, "dependencies": {%s}}\n' "$peers_npm_pins" \
        >"$peers_npm/package.json"
    npm install --prefix "$peers_npm" --silent --no-audit --no-fund >/dev/null 2>&1 \
        || { echo "toolchains: npm install failed in $peers_npm" >&2; return 1; }
    printf '%s' "$peers_npm_pins" >"$peers_npm/.peers-pins"
fi

export PATH="$peers_venv/bin:$peers_npm/node_modules/.bin:$PATH"
# The JS sample projects resolve jest/c8/eslint/typescript from here (NODE_PATH does not
# reach ESM, so the tests link node_modules instead; see peers-gate builtin/runners tests).
export PEERS_TEST_NODE_MODULES="$peers_npm/node_modules"
unset peers_toolchains peers_python_pins peers_npm_pins peers_venv peers_npm
unset -f peers_stamp_matches
