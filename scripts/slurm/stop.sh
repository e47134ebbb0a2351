#!/usr/bin/env bash
# Stop the daemons that scripts/slurm/start.sh started, in reverse start order,
# and only those: a munged or MariaDB that was already running before start.sh
# (e.g. one the machine uses for something else) is not in the 'started' list
# and is left alone.  Safe to run twice.
set -uo pipefail

DIR=${BP86_SLURM_DIR:-/tmp/backprop86-slurm}
RUN=$DIR/run
STARTED=$DIR/started

say() { echo "slurm stop: $*"; }

[ "$(id -u)" -eq 0 ] || { echo "slurm stop: FAILED at step 'preflight': must run as root" >&2; exit 1; }
if [ ! -s "$STARTED" ]; then
    say "nothing recorded in $STARTED; nothing to stop"
    exit 0
fi

pidfile_of() {
    case $1 in
        slurmd|slurmctld|slurmdbd) echo "$RUN/$1.pid" ;;
        mariadb) echo /run/mysqld/mysqld.pid ;;
        munged) echo /run/munge/munged.pid ;;
    esac
}
comm_of() { case $1 in mariadb) echo mariadbd ;; *) echo "$1" ;; esac; }

# SIGTERM, then wait up to 30 s (MariaDB flushes InnoDB on the way out; killing
# it early would only cost a crash recovery on the next start), then SIGKILL.
stop_one() {
    local name=$1 pidfile pid
    pidfile=$(pidfile_of "$name")
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null \
       || ! grep -q "$(comm_of "$name")" "/proc/$pid/comm" 2>/dev/null; then
        say "$name not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || { say "$name stopped"; return 0; }
        sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
    say "$name killed after 30 s"
}

for name in slurmd slurmctld slurmdbd mariadb munged; do
    if grep -qx "$name" "$STARTED"; then
        stop_one "$name"
    fi
done
: > "$STARTED"
