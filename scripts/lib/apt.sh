# Installing Debian packages for the project's own test services (sourced by
# scripts/slurm/install.sh and scripts/browser/install.sh).
#
# The exit statuses the tests read: 2 not root, 3 the package mirrors cannot be
# reached (the tests skip on 2 and 3 and show the evidence), 1 anything else.

# die NAME STEP [MESSAGE [STATUS]]
die() { echo "$1 install: FAILED at step '$2': ${3:-see output above}" >&2; exit "${4:-1}"; }

# Whether a package is fully configured (one left half-installed by an interrupted run
# is not, and is installed again).
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# missing PACKAGE...: the ones not installed, a line each.
missing() {
    local p
    for p in "$@"; do
        installed "$p" || echo "$p"
    done
}

# apt_install NAME PACKAGE...: install the packages (as root), or die with a status
# above.
apt_install() {
    local name=$1 out
    shift
    [ "$(id -u)" -eq 0 ] || die "$name" "check root" "must run as root (apt-get install), running as uid $(id -u)" 2
    command -v apt-get >/dev/null || die "$name" "check apt" "apt-get not found; this script targets Debian"
    export DEBIAN_FRONTEND=noninteractive
    out=$(mktemp)
    # apt-get update exits 0 even when every mirror is unreachable (it only warns),
    # so reachability is judged from what install says afterwards.
    apt-get update -q 2>&1 | tee "$out" || true
    if ! apt-get install -y -q --no-install-recommends "$@" 2>&1 | tee -a "$out"; then
        local unreachable="Failed to fetch|Temporary failure resolving|Could not resolve|Unable to locate package|has no installation candidate|Unable to connect|Network is unreachable"
        if grep -qE "$unreachable" "$out"; then
            die "$name" "apt-get install" "package mirrors unreachable or packages unknown: $(grep -m1 -E "$unreachable" "$out")" 3
        fi
        die "$name" "apt-get install" "could not install $*"
    fi
    rm -f "$out"
    local p
    for p in "$@"; do
        installed "$p" || die "$name" "verify install" "package $p is not installed after apt-get"
    done
}
