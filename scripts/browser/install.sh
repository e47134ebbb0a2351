#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the browser test of the HTML report
# (tests/integration/test_newcomer.py).
#
# Idempotent: when both are there it touches neither apt nor the network. Needs root.
# Exit status: 0 installed, 2 not root, 3 the package mirrors cannot be reached (the
# test skips on 2 and 3 and shows the evidence), 1 anything else.
set -euo pipefail
# shellcheck source=../lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"

PACKAGES=(chromium chromium-driver)

mapfile -t missing < <(missing "${PACKAGES[@]}")
if [ "${#missing[@]}" -eq 0 ]; then
    echo "browser install: all packages already present (${PACKAGES[*]})"
    exit 0
fi
echo "browser install: installing ${missing[*]}"
apt_install browser "${missing[@]}"
echo "browser install: done ($(chromium --version 2>/dev/null || echo chromium))"
