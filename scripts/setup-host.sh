#!/usr/bin/env bash
# Installs and starts what alpy and its tests need on a Debian host: the
# Debian packages, a running Docker engine and the node modules. As root it
# installs what is missing; otherwise it prints what to install and fails.
set -euo pipefail

cd "$(dirname "$0")/.."

packages=(
  docker.io        # Docker engine and CLI
  qemu-system-x86  # runs the DUT
  busybox-static   # node container image
  iproute2         # ip: moves taps into namespaces
  util-linux       # nsenter
  tcpdump          # reads pcaps in tests and examples
  debootstrap      # builds Rabbit's root file systems
  cpio kmod e2fsprogs
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "alpy: missing Debian packages; install them as root with:" >&2
    echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "alpy: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! docker_error=$(docker info 2>&1 >/dev/null); then
  if [[ $(id -u) -ne 0 ]]; then
    if [[ $docker_error == *"permission denied"* ]]; then
      echo "alpy: the Docker daemon runs, but this user may not use its socket; run as root (alpy needs root for tap devices anyway)" >&2
    else
      echo "alpy: no Docker daemon responds; start it as root (systemctl start docker, or dockerd &)" >&2
    fi
    exit 1
  fi
  if [[ -d /run/systemd/system ]]; then
    echo "alpy: starting docker with systemctl"
    systemctl start docker
  else
    echo "alpy: starting dockerd (log: /var/log/alpy-dockerd.log)"
    setsid nohup dockerd >/var/log/alpy-dockerd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  if ! docker info >/dev/null 2>&1; then
    echo "alpy: dockerd did not respond within 30 s; see /var/log/alpy-dockerd.log" >&2
    exit 1
  fi
fi

if [[ ! -d node_modules/.bin/ || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "alpy: installing node modules"
  npm ci --no-audit --no-fund --loglevel=error
fi
