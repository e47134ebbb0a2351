#!/usr/bin/env bash
# Install a local SLURM stack from Debian's own packages: controller, compute
# daemon, client tools, munge (authentication), slurmdbd + MariaDB (accounting,
# so that `sacct` answers the way it does on a real site).
#
# Idempotent: when everything is already there it touches neither apt nor the
# network, so a second run (a developer's, or a test session's) costs nothing.  Needs root; works without
# systemd because it only installs (start.sh starts the daemons by hand).
#
# Exit status: 0 installed, 2 not root, 3 the package mirrors cannot be
# reached (tests skip on 2 and 3 and show the evidence), 1 anything else.
set -euo pipefail

PACKAGES=(slurm-wlm slurmctld slurmd slurm-client slurmdbd munge mariadb-server)

die() { echo "slurm install: FAILED at step '$1': ${2:-see output above}" >&2; exit "${3:-1}"; }

[ "$(id -u)" -eq 0 ] || die "check root" "must run as root (apt-get install), running as uid $(id -u)" 2
command -v apt-get >/dev/null || die "check apt" "apt-get not found; this script targets Debian"

missing=()
for p in "${PACKAGES[@]}"; do
    # "install ok installed" only for a fully configured package: one left
    # half-installed by an interrupted run counts as missing and is retried.
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "slurm install: all packages already present (${PACKAGES[*]})"
    exit 0
fi

echo "slurm install: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Without systemd, maintainer scripts try to start services through
# invoke-rc.d; a policy-rc.d that answers 101 ("action forbidden") keeps
# them from starting half-configured daemons we would then have to hunt down.
# Only ours is removed afterwards; a pre-existing one is left untouched.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    own_policy=1
fi
cleanup() { if [ "$own_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

out=$(mktemp)
# apt-get update exits 0 even when every mirror is unreachable (it only
# warns), so reachability is judged from what install says afterwards.
apt-get update -q 2>&1 | tee "$out" || true
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" 2>&1 | tee -a "$out"; then
    if grep -qE "Failed to fetch|Temporary failure resolving|Could not resolve|Unable to locate package|has no installation candidate|Unable to connect|Network is unreachable" "$out"; then
        die "apt-get install" "package mirrors unreachable or packages unknown: $(grep -m1 -E 'Failed to fetch|Temporary failure|Could not resolve|Unable to locate|no installation candidate|Unable to connect|unreachable' "$out")" 3
    fi
    die "apt-get install" "could not install ${missing[*]}"
fi
rm -f "$out"

for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || die "verify install" "package $p is not installed after apt-get"
done
echo "slurm install: done"
