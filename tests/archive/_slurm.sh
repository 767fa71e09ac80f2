# shellcheck shell=bash
# A real one-node Slurm cluster for the tests, sourced by tests/archive/*.sh:
#   slurm_why_not     prints why no cluster can run here (empty: it can)
#   slurm_start       munged (as the munge user, with a generated key), slurmctld and slurmd
#                     (as root) on free ports, configured in a fresh directory; exports
#                     SLURM_CONF. Returns nonzero (and says why) when they do not come up.
#                     $SLURM_EXTRA_CONF: more slurm.conf lines (e.g. MaxArraySize=4)
#   slurm_stop        cancels the jobs, stops the daemons, removes the directory
# Nothing outside the directory is touched: no /etc/slurm, no /etc/munge, no services.

SLURM_DIR=
SLURM_PIDS=()

slurm_why_not() {
    if [ "$(id -u)" != 0 ]; then
        echo "not root (slurmd and munged need root)"
    elif ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null; then
        echo "slurm-wlm is not installed (tools/install-deps installs slurm-wlm and munge)"
    elif ! command -v munged >/dev/null || ! id munge >/dev/null 2>&1; then
        echo "munge is not installed (tools/install-deps installs slurm-wlm and munge)"
    elif ! command -v runuser >/dev/null; then
        echo "no runuser to start munged as the munge user"
    fi
}

_slurm_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_slurm_log_tail() {
    local f
    for f in "$SLURM_DIR"/munge/munged.log "$SLURM_DIR"/slurmctld.log "$SLURM_DIR"/slurmd.log; do
        [ -f "$f" ] && { echo "--- $f"; tail -n 8 "$f"; }
    done
}

slurm_start() {
    # munged insists on directories nobody else can write: a private one under /tmp (sticky),
    # not the test's TMPDIR (mode 0700, closed to the munge user)
    SLURM_DIR=$(mktemp -d /tmp/resr-slurm.XXXXXX) || return 1
    chmod 755 "$SLURM_DIR"
    mkdir -p "$SLURM_DIR"/munge "$SLURM_DIR"/munge-run "$SLURM_DIR"/state "$SLURM_DIR"/spool
    head -c 1024 /dev/urandom > "$SLURM_DIR"/munge/munge.key
    chown -R munge: "$SLURM_DIR"/munge "$SLURM_DIR"/munge-run
    chmod 700 "$SLURM_DIR"/munge          # the key: the munge user's alone
    chmod 755 "$SLURM_DIR"/munge-run      # the socket: everyone's
    chmod 400 "$SLURM_DIR"/munge/munge.key
    local sock=$SLURM_DIR/munge-run/munge.socket
    runuser -u munge -- munged --key-file="$SLURM_DIR"/munge/munge.key --socket="$sock" \
        --pid-file="$SLURM_DIR"/munge/munged.pid --log-file="$SLURM_DIR"/munge/munged.log \
        --seed-file="$SLURM_DIR"/munge/munged.seed || { echo "munged did not start"; _slurm_log_tail; return 1; }
    for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
    [ -S "$sock" ] || { echo "munged made no socket"; _slurm_log_tail; return 1; }

    local node node_line
    node=$(hostname -s)
    # the node as slurmd sees it (CPUs, sockets, memory): a config asking for more drains it
    node_line=$(slurmd -C | head -n1 | sed "s/^NodeName=[^ ]*/NodeName=$node NodeAddr=127.0.0.1/")
    cat > "$SLURM_DIR"/slurm.conf <<EOF
ClusterName=resrtest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$(_slurm_free_port)
SlurmdPort=$(_slurm_free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/slurmctld.log
SlurmdLogFile=$SLURM_DIR/slurmd.log
PlugStackConfig=$SLURM_DIR/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
KillWait=5
${SLURM_EXTRA_CONF:-}
$node_line State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
    : > "$SLURM_DIR"/plugstack.conf
    export SLURM_CONF=$SLURM_DIR/slurm.conf

    slurmctld -D -i -f "$SLURM_CONF" > "$SLURM_DIR"/slurmctld.out 2>&1 &
    SLURM_PIDS+=($!)
    slurmd -D -f "$SLURM_CONF" -N "$node" > "$SLURM_DIR"/slurmd.out 2>&1 &
    SLURM_PIDS+=($!)
    local state=
    for _ in $(seq 60); do
        state=$(sinfo -h -o %T 2>/dev/null | head -n1)
        [ "$state" = idle ] && return 0
        sleep 0.5
    done
    echo "the node did not become idle (state '${state:-none}')"
    _slurm_log_tail
    cat "$SLURM_DIR"/slurmctld.out "$SLURM_DIR"/slurmd.out 2>/dev/null | tail -n 5
    return 1
}

slurm_stop() {
    [ -n "$SLURM_DIR" ] || return 0
    if [ -n "${SLURM_CONF:-}" ] && [ ${#SLURM_PIDS[@]} -gt 0 ]; then
        scancel --user=root >/dev/null 2>&1
        for _ in $(seq 20); do
            [ -z "$(squeue -h 2>/dev/null)" ] && break
            sleep 0.5
        done
    fi
    local pid
    for pid in ${SLURM_PIDS[@]+"${SLURM_PIDS[@]}"}; do
        kill "$pid" 2>/dev/null
    done
    for pid in ${SLURM_PIDS[@]+"${SLURM_PIDS[@]}"}; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    SLURM_PIDS=()
    if [ -f "$SLURM_DIR"/munge/munged.pid ]; then
        pid=$(cat "$SLURM_DIR"/munge/munged.pid)
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$SLURM_DIR"
    SLURM_DIR=
    unset SLURM_CONF
}
