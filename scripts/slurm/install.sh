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
# shellcheck source=../lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"

PACKAGES=(slurm-wlm slurmctld slurmd slurm-client slurmdbd munge mariadb-server)

[ "$(id -u)" -eq 0 ] || die slurm "check root" "must run as root (apt-get install), running as uid $(id -u)" 2

mapfile -t missing < <(missing "${PACKAGES[@]}")

if [ "${#missing[@]}" -eq 0 ]; then
    echo "slurm install: all packages already present (${PACKAGES[*]})"
    exit 0
fi

echo "slurm install: installing ${missing[*]}"
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

apt_install slurm "${missing[@]}"
echo "slurm install: done"
