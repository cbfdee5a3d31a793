# shellcheck shell=bash
# podman + runc + catatonit from Debian at pinned versions, for the podman sandbox backend's
# tests (crates/peers-cli/tests/cli/sandbox/). Sourced by .ci/run. The .deb files are kept in
# $PEERS_CI_CACHE/podman-debs, so a fresh machine installs without downloading them again;
# an installed set matching the pins costs one dpkg-query.
#
# runc, not crun: crun refuses this machine kind's hybrid cgroup layout. The tests write their
# own containers.conf (default_ulimits = [], runtime = "runc", cgroupfs) and use a local root
# whose /usr is the host's, so nothing is pulled from an image registry.

peers_podman_pins="podman=4.3.1+ds1-8+deb12u1+b3 runc=1.1.5+ds1-1+deb12u1 catatonit=0.1.7-1+b2"

peers_podman_installed() {
    local pin name version
    for pin in $peers_podman_pins; do
        name="${pin%%=*}"
        version="${pin#*=}"
        [ "$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null)" = "$version" ] || return 1
    done
}

if ! peers_podman_installed; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "podman: installing $peers_podman_pins"
        peers_debs="${PEERS_CI_CACHE:?PEERS_CI_CACHE must be set (source this from .ci/run)}/podman-debs"
        mkdir -p "$peers_debs/partial"
        apt-get update -qq >/dev/null
        # shellcheck disable=SC2086
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -o Dir::Cache::archives="$peers_debs" -o DPkg::Lock::Timeout=600 \
            $peers_podman_pins >"$peers_debs/install.log" 2>&1; then
            echo "podman: install FAILED (log: $peers_debs/install.log)" >&2
            tail -n 20 "$peers_debs/install.log" >&2
        fi
        unset peers_debs
    elif [ "${CI:-}" = true ]; then
        echo "podman: not installed and apt-get is unavailable; the podman sandbox tests will fail" >&2
    else
        echo "podman: WARNING not installed: the podman sandbox tests will skip" >&2
    fi
fi
if command -v podman >/dev/null 2>&1; then
    echo "podman: $(podman --version)"
fi
unset peers_podman_pins
unset -f peers_podman_installed
