#!/usr/bin/env bash
# Releases what an alpy run left on the host, as listed in its run record
# (KEY=value lines): the QEMU process, the run's containers, its taps and
# its private socket folder.
#
#   reaper.sh now RECORD [--keep-record]  release at once
#   reaper.sh watch RECORD                wait until the owner process dies,
#                                         then release; exit when RECORD is
#                                         removed by a normal stop
#
# It runs detached from the test runner, so it also works after the runner
# was killed with SIGKILL. The record may belong to a run of another user of
# this host only in name: everything here is matched by the run id.
set -u

mode=${1:?usage: reaper.sh now|watch RECORD}
record=${2:?usage: reaper.sh now|watch RECORD}
keep_record=${3:-}

read_record() {
  RUN_ID='' OWNER_PID='' OWNER_START='' QEMU_PID='' PRIVATE_DIR=''
  [[ -f $record ]] || return 1
  while IFS='=' read -r key value; do
    case $key in
      RUN_ID | OWNER_PID | OWNER_START | QEMU_PID | PRIVATE_DIR) printf -v "$key" '%s' "$value" ;;
    esac
  done <"$record"
  [[ $RUN_ID =~ ^[0-9a-f]{6}$ ]]
}

# Field 22 of /proc/PID/stat is the start time; with the pid it identifies a
# process even after the pid is reused.
start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  set -- $stat
  echo "${20}"
}

owner_alive() {
  [[ -n $OWNER_PID && $(start_time "$OWNER_PID") == "$OWNER_START" ]]
}

kill_qemu() {
  [[ -n $QEMU_PID && -r /proc/$QEMU_PID/cmdline ]] || return 0
  tr '\0' ' ' <"/proc/$QEMU_PID/cmdline" | grep -q "process=alpy-$RUN_ID" || return 0
  echo "alpy reaper: killing QEMU $QEMU_PID of run $RUN_ID" >&2
  kill -KILL "$QEMU_PID" 2>/dev/null
  for _ in $(seq 50); do
    [[ -e /proc/$QEMU_PID ]] || return 0
    sleep 0.1
  done
}

remove_containers() {
  local ids
  ids=$(docker ps -aq --filter "label=alpy.run=$RUN_ID" 2>/dev/null)
  if [[ -n $ids ]]; then
    echo "alpy reaper: removing containers of run $RUN_ID" >&2
    docker rm -f -v $ids >/dev/null 2>&1
  fi
}

remove_taps() {
  local device
  for device in /sys/class/net/"alpy${RUN_ID}t"*; do
    [[ -e $device ]] && ip link delete "${device##*/}" 2>/dev/null
  done
  return 0
}

remove_private_dir() {
  # Only folders made by alpy for this run: alpy-<run id>-<random> in a tmp folder.
  if [[ -n $PRIVATE_DIR && ${PRIVATE_DIR##*/} == "alpy-$RUN_ID-"* ]]; then
    rm -rf -- "$PRIVATE_DIR"
  fi
  # A run killed before its record named the folder still left it in the temp folder.
  local dir
  for dir in "${TMPDIR:-/tmp}/alpy-$RUN_ID-"*; do
    [[ -d $dir ]] && rm -rf -- "$dir"
  done
  return 0
}

release() {
  kill_qemu
  remove_containers
  remove_taps
  remove_private_dir
}

read_record || exit 0
case $mode in
  now)
    release
    [[ $keep_record == --keep-record ]] || rm -f -- "$record"
    ;;
  watch)
    while [[ -f $record ]] && owner_alive; do
      sleep 0.5
    done
    [[ -f $record ]] || exit 0
    read_record || exit 0
    release
    # Test workers of a killed runner can outlive it for a moment and start
    # one more container.
    sleep 5
    remove_containers
    rm -f -- "$record"
    ;;
  *)
    echo "alpy reaper: unknown mode $mode" >&2
    exit 2
    ;;
esac
