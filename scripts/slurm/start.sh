#!/usr/bin/env bash
# Bring up a one-node SLURM cluster on this machine (127.0.0.1), with
# accounting, without systemd:
#
#   munged -> MariaDB -> slurmdbd -> (register cluster) -> slurmctld -> slurmd
#
# then wait until `sinfo` reports the node idle and `sacct` answers.
#
# Why accounting at all: snakemake-executor-plugin-slurm asks `sacct` for job
# states whenever sacct is installed.  Without an accounting store sacct errors
# out, the plugin keeps retrying, and the workflow never finishes.  Running
# slurmdbd on MariaDB makes this machine behave like a real site.
#
# Idempotent: daemons that already answer are left alone; the config files are
# rewritten only when their content changes (and the daemons that read them are
# then restarted).  Everything it starts is recorded in $BP86_SLURM_DIR/started
# so that stop.sh stops exactly that and nothing else.
#
# Environment:
#   BP86_SLURM_DIR      state + log folder   (default /tmp/backprop86-slurm)
#   BP86_SLURM_TIMEOUT  seconds to wait for each daemon / the node (default 60)
set -euo pipefail

DIR=${BP86_SLURM_DIR:-/tmp/backprop86-slurm}
TIMEOUT=${BP86_SLURM_TIMEOUT:-60}
LOG=$DIR/log
SLOG=$LOG/slurm
RUN=$DIR/run
STARTED=$DIR/started

CLUSTER=backprop86
PARTITION=debug
ACCOUNT=backprop86
NODE=localhost
SLURM_ETC=/etc/slurm
DB_NAME=slurm_acct_db
DB_USER=slurm

current_log=""
die() {
    # Show the tail of the relevant log first, so the one-line verdict is the
    # last thing on screen (and in CI output).
    if [ -n "$current_log" ] && [ -s "$current_log" ]; then
        echo "---- last lines of $current_log ----" >&2
        tail -n 20 "$current_log" | sed 's/^/    /' >&2
    fi
    echo "slurm start: FAILED at step '$1': ${2:-}${current_log:+ (log: $current_log)}" >&2
    exit 1
}
say() { echo "slurm start: $*"; }

# Poll a command until it succeeds or the timeout passes.
wait_for() {
    local what=$1; shift
    local deadline=$((SECONDS + TIMEOUT))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || die "$what" "no answer after ${TIMEOUT}s"
        sleep 0.5
    done
}

# A pid file is trusted only if the process is alive and is the program we
# expect: after an unclean stop the pid may have been reused.
pid_alive() {
    local pidfile=$1 name=$2 pid
    [ -s "$pidfile" ] || return 1
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    grep -q "$name" "/proc/$pid/comm" 2>/dev/null
}

# SIGTERM a daemon we are about to restart and wait until it is gone, so the
# new one does not find the port still taken.
stop_pid() {
    local pidfile=$1 pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
}

mark_started() { grep -qx "$1" "$STARTED" 2>/dev/null || echo "$1" >> "$STARTED"; }

# Write $2 to file $1 only if it differs; return 0 if it changed.
install_if_changed() {
    local dest=$1 content=$2 mode=$3 owner=$4
    if [ -f "$dest" ] && [ "$(cat "$dest")" == "$content" ]; then
        chmod "$mode" "$dest"; chown "$owner" "$dest"
        return 1
    fi
    local tmp
    tmp=$(mktemp "$dest.XXXXXX")
    printf '%s\n' "$content" > "$tmp"
    chmod "$mode" "$tmp"; chown "$owner" "$tmp"
    mv -f "$tmp" "$dest"
    return 0
}

# ---------------------------------------------------------------- preflight
step=preflight
[ "$(id -u)" -eq 0 ] || die "$step" "must run as root (daemons switch to the slurm/munge/mysql users themselves)"
for bin in munged munge unmunge mariadbd mariadb slurmdbd slurmctld slurmd sacctmgr sinfo sacct scontrol runuser; do
    command -v "$bin" >/dev/null || die "$step" "'$bin' not found; run scripts/slurm/install.sh first"
done
getent passwd slurm >/dev/null || die "$step" "no 'slurm' user; run scripts/slurm/install.sh first"
getent passwd munge >/dev/null || die "$step" "no 'munge' user; run scripts/slurm/install.sh first"

mkdir -p "$LOG" "$SLOG" "$RUN"
touch "$STARTED"
# slurmctld and slurmdbd run as the slurm user: it writes their pid files and
# they want to chdir to a log folder they can write to.  munged, for its part,
# refuses a log whose folder belongs to anyone but root or munge, hence
# $LOG (root's: munged, MariaDB) and $SLOG (slurm's: the SLURM daemons).
chown root:root "$DIR" "$LOG"
chown slurm:slurm "$RUN" "$SLOG"
chmod 755 "$DIR" "$LOG" "$SLOG" "$RUN"

# ---------------------------------------------------------------- slurm.conf
step="write slurm.conf"
# slurmd -C describes the hardware as slurmd itself will see it; taking the
# node line from it avoids a node that registers as INVALID.  RealMemory is
# lowered by 10% because slurmd drains a node that reports less memory than
# configured, and the kernel's view of free memory moves a little.
hw=$(slurmd -C 2>/dev/null | head -n 1) || true
[[ "$hw" == NodeName=* ]] || die "$step" "'slurmd -C' gave no node line: $hw"
mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
[ -n "$mem" ] || die "$step" "no RealMemory in: $hw"
mem=$((mem * 9 / 10))
node_hw=$(sed -e 's/^NodeName=[^ ]*//' -e 's/RealMemory=[0-9]*//' <<<"$hw" | xargs)
node_line="NodeName=$NODE NodeAddr=127.0.0.1 $node_hw RealMemory=$mem State=UNKNOWN"

slurm_conf="# Written by scripts/slurm/start.sh (backprop86), regenerated at every start.
ClusterName=$CLUSTER
# 'localhost' is accepted by slurmctld as its own name whatever the hostname,
# so this file is the same on every machine.
SlurmctldHost=$NODE(127.0.0.1)
AuthType=auth/munge
CryptoType=crypto/munge
SlurmUser=slurm
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$SLOG/slurmctld.log
SlurmdLogFile=$SLOG/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No systemd and no writable cgroup tree in a container: track processes by
# walking /proc, do no CPU binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
MpiDefault=none
# Mail is not delivered here; a valid program silences slurmctld's complaint.
MailProg=/bin/true
SchedulerType=sched/backfill
# Cores and memory are both consumable, so several small jobs share the node.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without this a job that asks no memory would be given the whole node.
DefMemPerCPU=1000
# Keep finished jobs visible to squeue for 5 minutes (the plugin's fallback
# status command needs this); sacct is the primary source.
MinJobAge=300
# A node that was down (e.g. after an unclean stop) returns by itself once its
# slurmd registers again with a valid configuration.
ReturnToService=2
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
AccountingStorageEnforce=associations
# Store the job comment: the Snakemake plugin puts the rule name there, so
# 'sacct -o JobID,State,Comment' shows which rule each cluster job ran.
AccountingStoreFlags=job_comment
JobCompType=jobcomp/none
$node_line
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP"

mkdir -p "$SLURM_ETC"
slurm_conf_changed=0
if install_if_changed "$SLURM_ETC/slurm.conf" "$slurm_conf" 644 root:root; then
    slurm_conf_changed=1
fi

# ---------------------------------------------------------------- munge
step="munge key"
if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    mungekey --create --keyfile=/etc/munge/munge.key >/dev/null 2>&1 \
        || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none \
        || die "$step" "cannot create /etc/munge/munge.key"
fi
chown munge:munge /etc/munge /etc/munge/munge.key
chmod 700 /etc/munge
chmod 400 /etc/munge/munge.key

step="start munged"
current_log=$LOG/munged.log
munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if munge_ok; then
    say "munged already running"
else
    install -d -o munge -g munge -m 755 /run/munge
    install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge
    touch "$current_log"; chown munge:munge "$current_log"
    # --force: after an unclean stop a stale socket/lock file is left in
    # /run/munge; we just checked that no munged answers on it.
    runuser -u munge -- munged --force --log-file="$current_log" \
        --pid-file=/run/munge/munged.pid \
        || die "$step" "munged did not start"
    mark_started munged
    wait_for "$step" munge_ok
    say "munged started"
fi

# ---------------------------------------------------------------- MariaDB
step="start mariadb"
current_log=$LOG/mariadb.log
db_ok() { mariadb-admin --protocol=socket -uroot ping 2>/dev/null | grep -q alive; }
if db_ok; then
    say "mariadb already running"
else
    install -d -o mysql -g root -m 755 /run/mysqld
    if [ ! -d /var/lib/mysql/mysql ]; then
        # The package normally initialises the data dir; do it ourselves if a
        # previous purge or a bare image left it empty.
        mariadb-install-db --user=mysql --datadir=/var/lib/mysql \
            --auth-root-authentication-method=socket >"$LOG/mariadb-install.log" 2>&1 \
            || { current_log=$LOG/mariadb-install.log; die "$step" "mariadb-install-db failed"; }
    fi
    touch "$current_log"; chown mysql:mysql "$current_log"
    # Started directly rather than through mysqld_safe: one process to stop,
    # and a crash shows up as a failed check instead of a silent restart loop.
    # Buffer pool and lock wait timeout as slurmdbd recommends (it logs an
    # error at every start otherwise); the pool is only touched as it fills.
    setsid mariadbd --user=mysql --log-error="$current_log" \
        --pid-file=/run/mysqld/mysqld.pid \
        --innodb-buffer-pool-size=1024M --innodb-lock-wait-timeout=900 \
        </dev/null >>"$current_log" 2>&1 &
    mark_started mariadb
    wait_for "$step" db_ok
    say "mariadb started"
fi

step="create accounting database"
# The password lives only in slurmdbd.conf (mode 600); reuse it across starts
# so the database user and the config always agree.
dbd_conf_path=$SLURM_ETC/slurmdbd.conf
db_pass=""
if [ -f "$dbd_conf_path" ]; then
    db_pass=$(sed -n 's/^StoragePass=//p' "$dbd_conf_path" | head -n 1)
fi
if [ -z "$db_pass" ]; then
    db_pass=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
fi
mariadb --protocol=socket -uroot >"$LOG/mariadb-setup.log" 2>&1 <<SQL || { current_log=$LOG/mariadb-setup.log; die "$step" "SQL setup failed"; }
CREATE DATABASE IF NOT EXISTS $DB_NAME;
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$db_pass';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$db_pass';
GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'localhost';
FLUSH PRIVILEGES;
SQL

# ---------------------------------------------------------------- slurmdbd
step="write slurmdbd.conf"
dbd_conf="# Written by scripts/slurm/start.sh (backprop86).
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=slurm
LogFile=$SLOG/slurmdbd.log
PidFile=$RUN/slurmdbd.pid
DebugLevel=info
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageLoc=$DB_NAME
StorageUser=$DB_USER
StoragePass=$db_pass"
dbd_conf_changed=0
# slurmdbd refuses a config that others can read (it holds the DB password)
# and wants it owned by the user it runs as.
if install_if_changed "$dbd_conf_path" "$dbd_conf" 600 slurm:slurm; then
    dbd_conf_changed=1
fi

step="start slurmdbd"
current_log=$SLOG/slurmdbd.log
# sacctmgr talks to slurmdbd through the address in slurm.conf.
dbd_ok() { sacctmgr -n -P list cluster format=cluster; }
if pid_alive "$RUN/slurmdbd.pid" slurmdbd && [ "$dbd_conf_changed" -eq 1 ]; then
    say "slurmdbd.conf changed: restarting slurmdbd"
    stop_pid "$RUN/slurmdbd.pid"
fi
if pid_alive "$RUN/slurmdbd.pid" slurmdbd && dbd_ok >/dev/null 2>&1; then
    say "slurmdbd already running"
else
    # One that runs but does not answer would hold the port: replace it.
    if pid_alive "$RUN/slurmdbd.pid" slurmdbd; then stop_pid "$RUN/slurmdbd.pid"; fi
    touch "$current_log"; chown slurm:slurm "$current_log"
    slurmdbd >>"$current_log" 2>&1 || die "$step" "slurmdbd exited at start"
    mark_started slurmdbd
    wait_for "$step" dbd_ok
    say "slurmdbd started"
fi

step="register cluster"
current_log=""
if ! sacctmgr -n -P list cluster format=cluster 2>/dev/null | grep -qx "$CLUSTER"; then
    sacctmgr -i add cluster "$CLUSTER" >/dev/null || die "$step" "sacctmgr add cluster $CLUSTER failed"
    say "cluster '$CLUSTER' registered in accounting"
fi
# A project account, as a real site would have: the profile names it in
# slurm_account, and with AccountingStorageEnforce=associations a job is only
# accepted from a user associated with its account.  Root gets it, and so
# does the user who ran sudo, if any.
step="create account"
if ! sacctmgr -n -P list account "$ACCOUNT" format=account 2>/dev/null | grep -qx "$ACCOUNT"; then
    sacctmgr -i add account "$ACCOUNT" cluster="$CLUSTER" \
        description="backprop86 local test" organization=backprop86 >/dev/null \
        || die "$step" "sacctmgr add account $ACCOUNT failed"
fi
for user in root ${SUDO_USER:-}; do
    if ! sacctmgr -n -P list assoc cluster="$CLUSTER" account="$ACCOUNT" user="$user" format=user 2>/dev/null \
         | grep -qx "$user"; then
        sacctmgr -i add user "$user" account="$ACCOUNT" cluster="$CLUSTER" >/dev/null \
            || die "$step" "sacctmgr add user $user account=$ACCOUNT failed"
    fi
done

# ---------------------------------------------------------------- slurmctld / slurmd
if [ "$slurm_conf_changed" -eq 1 ]; then
    for d in slurmd slurmctld; do
        if pid_alive "$RUN/$d.pid" "$d"; then
            say "slurm.conf changed: restarting $d"
            stop_pid "$RUN/$d.pid"
        fi
    done
fi

step="start slurmctld"
current_log=$SLOG/slurmctld.log
ctld_ok() { scontrol ping 2>/dev/null | grep -q 'is UP'; }
if pid_alive "$RUN/slurmctld.pid" slurmctld && ctld_ok; then
    say "slurmctld already running"
else
    if pid_alive "$RUN/slurmctld.pid" slurmctld; then stop_pid "$RUN/slurmctld.pid"; fi
    touch "$current_log"; chown slurm:slurm "$current_log"
    # -R recovers the job/node state saved by an earlier run, which is what a
    # restarted controller on a real site does.
    slurmctld -R >>"$current_log" 2>&1 || die "$step" "slurmctld exited at start"
    mark_started slurmctld
    wait_for "$step" ctld_ok
    say "slurmctld started"
fi

step="start slurmd"
current_log=$SLOG/slurmd.log
if pid_alive "$RUN/slurmd.pid" slurmd; then
    say "slurmd already running"
else
    # -N: the node is called 'localhost' whatever this machine's hostname is.
    slurmd -N "$NODE" >>"$current_log" 2>&1 || die "$step" "slurmd exited at start"
    mark_started slurmd
    say "slurmd started"
fi

step="wait for node idle"
node_state() { sinfo -h -n "$NODE" -o '%T' 2>/dev/null | head -n 1; }
deadline=$((SECONDS + TIMEOUT))
resumed=0
while :; do
    state=$(node_state)
    case "$state" in
        idle|mixed|allocated|completing) break ;;
        down*|drain*)
            # A node left DOWN/DRAINED by an earlier unclean stop does not come
            # back on its own if the reason was not a lost slurmd; resume once.
            if [ "$resumed" -eq 0 ]; then
                scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
                resumed=1
            fi ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
        reason=$(sinfo -h -R -n "$NODE" -o '%E' 2>/dev/null | head -n 1)
        die "$step" "node '$NODE' is '${state:-unknown}' after ${TIMEOUT}s${reason:+ (reason: $reason)}"
    fi
    sleep 0.5
done

step="wait for sacct"
current_log=$SLOG/slurmdbd.log
wait_for "$step" sacct -n -X -S now-1hours

say "cluster '$CLUSTER' up: node '$NODE' ${state}, partition '$PARTITION', account '$ACCOUNT', logs in $LOG"
