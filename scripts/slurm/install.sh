#!/usr/bin/env bash
# Install a local SLURM stack from Debian's own packages: controller, compute
# daemon, client tools, munge (authentication), slurmdbd + MariaDB (accounting,
# so that `sacct` answers the way it does on a real site).
#
# Idempotent: when everything is already there it does no network access at
# all, so CI runs after the first pay nothing.  Needs root; works without
# systemd because it only installs (start.sh starts the daemons by hand).
set -euo pipefail

PACKAGES=(slurm-wlm slurmctld slurmd slurm-client slurmdbd munge mariadb-server)

die() { echo "slurm install: FAILED at step '$1': ${2:-see output above}" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "check root" "must run as root (apt-get install)"
command -v apt-get >/dev/null || die "check apt" "apt-get not found; this script targets Debian"

missing=()
for p in "${PACKAGES[@]}"; do
    # `dpkg -s` reports "install ok installed" only for fully configured packages;
    # a half-installed one is treated as missing so we retry it.
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

apt-get update -q || die "apt-get update" "cannot reach the Debian package mirrors"
apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || die "apt-get install" "could not install ${missing[*]}"

for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || die "verify install" "package $p is not installed after apt-get"
done
echo "slurm install: done"
