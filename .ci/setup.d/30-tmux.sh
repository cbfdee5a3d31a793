# shellcheck shell=bash
# tmux for the `peers tmux` tests (a real tmux server on a private socket): Debian's package at
# a pinned version. Uses the system tmux when it is that version; otherwise downloads the pinned
# .deb files once into $PEERS_CI_CACHE/tmux (apt-get download needs no root), unpacks them
# there and puts a wrapper on PATH. Sourced by .ci/run; exports PATH.

peers_tmux_version="3.3a"
peers_tmux_debs="tmux=3.3a-3 libevent-core-2.1-7=2.1.12-stable-8 libutempter0=1.2.1-3"
peers_tmux_dir="${PEERS_CI_CACHE:?PEERS_CI_CACHE must be set (source this from .ci/run)}/tmux"

peers_tmux_is_pinned() { "$1" -V 2>/dev/null | grep -qx "tmux $peers_tmux_version"; }

if command -v tmux >/dev/null 2>&1 && peers_tmux_is_pinned tmux; then
    :
elif [ -x "$peers_tmux_dir/bin/tmux" ] && peers_tmux_is_pinned "$peers_tmux_dir/bin/tmux"; then
    export PATH="$peers_tmux_dir/bin:$PATH"
elif command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1; then
    echo "tmux: installing $peers_tmux_debs into $peers_tmux_dir"
    rm -rf "$peers_tmux_dir"
    mkdir -p "$peers_tmux_dir/debs" "$peers_tmux_dir/root" "$peers_tmux_dir/bin"
    # shellcheck disable=SC2086
    if (cd "$peers_tmux_dir/debs" && apt-get download -qq $peers_tmux_debs >/dev/null 2>&1); then
        for deb in "$peers_tmux_dir"/debs/*.deb; do
            dpkg-deb -x "$deb" "$peers_tmux_dir/root"
        done
        libs="$peers_tmux_dir/root/usr/lib/x86_64-linux-gnu:$peers_tmux_dir/root/lib/x86_64-linux-gnu"
        printf '#!/bin/sh\nLD_LIBRARY_PATH="%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "%s" "$@"\n' \
            "$libs" "$peers_tmux_dir/root/usr/bin/tmux" >"$peers_tmux_dir/bin/tmux"
        chmod +x "$peers_tmux_dir/bin/tmux"
        export PATH="$peers_tmux_dir/bin:$PATH"
        peers_tmux_is_pinned tmux || echo "tmux: the unpacked tmux does not run; the tmux tests will fail under CI=true" >&2
    else
        echo "tmux: apt-get download $peers_tmux_debs failed (run apt-get update?); the tmux tests will fail under CI=true" >&2
    fi
elif [ "${CI:-}" = true ]; then
    echo "tmux: no tmux $peers_tmux_version and no apt-get to fetch it; the tmux tests need it" >&2
else
    echo "tmux: WARNING tmux $peers_tmux_version is missing: the tmux tests will skip" >&2
fi
unset peers_tmux_version peers_tmux_debs peers_tmux_dir
unset -f peers_tmux_is_pinned
