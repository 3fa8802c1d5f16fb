#!/usr/bin/env bash
# A single-node Slurm cluster for the tests, entirely inside one folder: its own munge
# key, socket and daemons, on ports of its own, so it never touches a real cluster.
#   cluster.sh start DIR   starts munged, slurmctld and slurmd; prints the SLURM_CONF to use
#   cluster.sh stop DIR    stops exactly the daemons that `start` started, by PID
# Needs root (the daemons switch users) and the packages slurm-wlm and munge.
set -euo pipefail

usage() { echo "usage: cluster.sh start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action="$1"
dir="$(realpath -m "$2")"

stop() {
  local pid_file pid
  for pid_file in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munged.pid"; do
    [ -s "$pid_file" ] || continue
    pid="$(cat "$pid_file")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pid_file"
  done
}

start() {
  [ "$(id -u)" -eq 0 ] || { echo "cluster.sh: needs root" >&2; exit 77; }
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "cluster.sh: install slurm-wlm and munge" >&2
    exit 77
  fi
  mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
  chown munge:munge "$dir/munge"
  chmod 0700 "$dir/munge"
  mungekey --create --keyfile="$dir/munge/munge.key" --force
  chown munge:munge "$dir/munge/munge.key"
  chmod 0600 "$dir/munge/munge.key"
  # munged daemonizes and writes its own PID file.
  runuser -u munge -- munged --force --key-file="$dir/munge/munge.key" \
    --socket="$dir/munge/munge.socket" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
  for _ in $(seq 50); do [ -s "$dir/munge/munged.pid" ] && break; sleep 0.1; done
  cp "$dir/munge/munged.pid" "$dir/munged.pid"

  # Ports away from Slurm's defaults, picked from the folder so that parallel runs differ.
  local port=$((20000 + $(cksum <<<"$dir" | cut -d' ' -f1) % 20000))
  cat >"$dir/slurm.conf" <<CONF
ClusterName=stemviztest
SlurmctldHost=localhost
SlurmUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid.own
SlurmdPidFile=$dir/slurmd.pid.own
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -D -i >"$dir/slurmctld.out" 2>&1 &
  echo $! >"$dir/slurmctld.pid"
  slurmd -D -N localhost >"$dir/slurmd.out" 2>&1 &
  echo $! >"$dir/slurmd.pid"
  for _ in $(seq 100); do
    if scontrol show node localhost 2>/dev/null | grep -qE "State=(IDLE|MIXED|ALLOCATED)"; then
      echo "$SLURM_CONF"
      return 0
    fi
    sleep 0.1
  done
  echo "cluster.sh: the node did not come up; see $dir/slurmctld.log and $dir/slurmd.log" >&2
  stop
  exit 1
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
