# shellcheck shell=bash
# Chromium for the browser test of `peers-ctl serve` (crates/peers-ctl/tests/ctl/browser.rs):
# Debian's package at a pinned version, its .deb files kept in $PEERS_CI_CACHE so a warm run
# only checks the version. The test drives it over the DevTools protocol: no driver download.
# Sourced by .ci/run; exports PEERS_CHROMIUM. Ends with status 0 even when the install fails, so
# .ci/run reports the browser test's failure instead of stopping here.

peers_chromium_cache="${PEERS_CI_CACHE:?PEERS_CI_CACHE must be set (source this from .ci/run)}/chromium"
# Bump the pin here; a pin the archive no longer carries (a security update replaced it) falls
# back to the archive's candidate with a warning, so CI keeps a browser.
peers_chromium_pin="156.0.8078.129-1~deb12u1"
mkdir -p "$peers_chromium_cache/partial"

peers_chromium_installed() { dpkg-query -W -f='${Version}' chromium 2>/dev/null; }

if [ "$(peers_chromium_installed)" != "$peers_chromium_pin" ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "chromium: installing $peers_chromium_pin from Debian (debs cached in $peers_chromium_cache)"
        apt-get update -qq >/dev/null
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            -o Dir::Cache::archives="$peers_chromium_cache" \
            "chromium=$peers_chromium_pin" >/dev/null 2>&1; then
            echo "chromium: WARNING $peers_chromium_pin is no longer in the archive; installing the candidate" >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                -o Dir::Cache::archives="$peers_chromium_cache" chromium >/dev/null 2>&1 \
                || echo "chromium: apt-get install chromium failed; the browser test will fail under CI=true" >&2
        fi
    elif [ "${CI:-}" = true ]; then
        echo "chromium: missing and apt-get is unavailable; the browser test fails under CI=true" >&2
    else
        echo "chromium: WARNING missing and apt-get is unavailable: the browser test will skip" >&2
    fi
fi
if command -v chromium >/dev/null 2>&1; then
    PEERS_CHROMIUM="$(command -v chromium)"
    export PEERS_CHROMIUM
fi
