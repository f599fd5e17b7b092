#!/usr/bin/env bash
# A one-node Slurm cluster on localhost for test/slurm/slurm.test.ts (docs/design.md §11):
# its own munged (private key and socket), slurmctld and slurmd, all state under $DIR, nothing in
# /etc touched. Clients find it through SLURM_CONF=$DIR/slurm.conf (printed by `start`).
#   cluster.sh start DIR [CPUS]   generate the config, start the daemons, wait until the node is idle
#   cluster.sh stop DIR           stop the daemons (also after a failed start)
# Needs root (slurmd launches jobs as their user) and Debian's slurm-wlm + munge.
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop DIR [CPUS]}
DIR=${2:?usage: cluster.sh start|stop DIR [CPUS]}
CPUS=${3:-4}

stop() {
  for name in slurmd slurmctld munged; do
    pidfile="$DIR/$name.pid"
    if [ -s "$pidfile" ]; then
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$pidfile"
    fi
  done
}

if [ "$cmd" = stop ]; then
  stop
  exit 0
fi
[ "$cmd" = start ] || { echo "cluster.sh: unknown command '$cmd' (start|stop)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "cluster.sh: needs root (slurmd runs jobs as their user)" >&2; exit 2; }
for b in munged slurmctld slurmd sbatch; do
  command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || { echo "cluster.sh: $b not found: apt-get install slurm-wlm munge" >&2; exit 2; }
done
export PATH="$PATH:/usr/sbin"
mkdir -p "$DIR/spool/ctld" "$DIR/spool/d" "$DIR/log" "$DIR/munge"
chmod 711 "$DIR/munge"
# munged insists on a private key, socket folder and log it owns.
dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$DIR/munge/munge.key"
MEM=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
cat >"$DIR/slurm.conf" <<CONF
ClusterName=tuckertest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${SLURMCTLD_PORT:-16817}
SlurmdPort=${SLURMD_PORT:-16818}
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$DIR/spool/ctld
SlurmdSpoolDir=$DIR/spool/d
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# No slurmdbd: sacct reads the job completion log instead (sacct --completion).
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.log
# Finished jobs stay in squeue/scontrol for an hour; time limits are enforced within seconds.
MinJobAge=3600
KillWait=10
OverTimeLimit=0
InactiveLimit=0
MessageTimeout=30
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
SlurmdParameters=config_overrides
MpiDefault=none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
rm -f "$DIR/cgroup.conf"
export SLURM_CONF="$DIR/slurm.conf"
trap 'stop' ERR
munged --force --socket="$DIR/munge/munge.socket" --key-file="$DIR/munge/munge.key" \
  --pid-file="$DIR/munged.pid" --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munge.seed"
slurmctld -f "$DIR/slurm.conf" -i
slurmd -f "$DIR/slurm.conf"
for _ in $(seq 150); do
  state=$(sinfo -h -n localhost -o '%T' 2>/dev/null || true)
  case "$state" in idle*) echo "SLURM_CONF=$SLURM_CONF"; exit 0 ;; esac
  sleep 0.2
done
echo "cluster.sh: the node did not become idle (state '${state:-unknown}'); logs in $DIR/log" >&2
tail -5 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
stop
exit 1
