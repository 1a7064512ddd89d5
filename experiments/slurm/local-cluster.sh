#!/usr/bin/env bash
# Brings up a single-node Slurm cluster on loopback, runs experiments/slurm/
# small.toml as a 4-task job array with sweep.sbatch, merges the shards and
# checks the result is byte-identical to an unsharded run; then shuts the
# cluster down, munged included when it started it.
#
# Needs root and Debian 12's slurmctld, slurmd, slurm-client and munge
# (installed here if missing). There is no systemd: the daemons are started
# by hand. Everything listens on 127.0.0.1 only.
#
#   bash experiments/slurm/local-cluster.sh [path/to/outage-sim]
set -euo pipefail

cd "$(dirname "$0")/../.."
OUTAGE_SIM="$(realpath "${1:-target/release/outage-sim}")"
export OUTAGE_SIM
WORK="$(mktemp -d /tmp/outage-sim-slurm.XXXXXX)"
HOST="$(hostname)"

log() { echo "[local-cluster] $*"; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    log "installing slurmctld slurmd slurm-client munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

log "starting munge"
install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge /etc/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
fi
# Only a munged started here is stopped at the end.
STARTED_MUNGED=0
if ! pgrep -x munged >/dev/null; then
    runuser -u munge -- /usr/sbin/munged
    STARTED_MUNGED=1
fi
munge -n | unmunge >/dev/null

log "configuring Slurm for $HOST on 127.0.0.1"
install -d -o slurm -g slurm /var/spool/slurmctld /var/log/slurm
install -d /var/spool/slurmd /etc/slurm
MEMORY_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=outage-sim
SlurmctldHost=${HOST}(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=${HOST} NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=${MEMORY_MB} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

stop_cluster() {
    scontrol shutdown >/dev/null 2>&1 || true
    pkill -x slurmd 2>/dev/null || true
    pkill -x slurmctld 2>/dev/null || true
    for _ in $(seq 1 20); do
        pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null || break
        sleep 0.5
    done
    rm -f /run/slurmctld.pid /run/slurmd.pid
}
stop_all() {
    stop_cluster
    if [ "$STARTED_MUNGED" = 1 ]; then
        pkill -x munged 2>/dev/null || true
        for _ in $(seq 1 20); do
            pgrep -x munged >/dev/null || break
            sleep 0.25
        done
    fi
}
trap stop_all EXIT
stop_cluster

log "starting slurmctld and slurmd"
/usr/sbin/slurmctld
/usr/sbin/slurmd
for _ in $(seq 1 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then break; fi
    sleep 1
done
sinfo

log "running a 4-task job array"
export EXPERIMENT=experiments/slurm/small.toml OUT="$WORK/array"
sbatch --wait --array=0-3 --chdir="$PWD" --output="$WORK/slurm-%A_%a.out" \
    --export=ALL experiments/slurm/sweep.sbatch
cat "$WORK"/slurm-*.out

log "merging the shards"
"$OUTAGE_SIM" merge "$WORK"/array/shard-* --out "$WORK/merged"
"$OUTAGE_SIM" sweep experiments/slurm/small.toml --quiet --out "$WORK/unsharded"
for f in runs.csv summary.csv; do
    cmp "$WORK/merged/$f" "$WORK/unsharded/$f"
done
log "merged array output is byte-identical to an unsharded run: $(($(wc -l < "$WORK/merged/runs.csv") - 1)) jobs"
rm -rf "$WORK"
