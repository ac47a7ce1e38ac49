#!/usr/bin/env bash
# Makes rootful podman usable on these machines (Debian/Ubuntu, root, no Docker engine, no
# image registry): installs podman with runc, netavark/aardvark-dns and iptables (netavark
# needs it for container networks), and writes the engine
# settings that work here. Safe to repeat; prints what it changes.
set -euo pipefail

if [[ $(id -u) != 0 ]]; then
  echo "podman-setup: run as root (rootful podman; apt-get)" >&2
  exit 1
fi

missing=()
for tool in podman runc netavark debootstrap iptables; do
  command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/lib/podman/$tool ]] || missing+=("$tool")
done
[[ -x /usr/lib/podman/aardvark-dns ]] || command -v aardvark-dns >/dev/null 2>&1 || missing+=(aardvark-dns)
if ((${#missing[@]})); then
  echo "podman-setup: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends podman runc netavark aardvark-dns debootstrap iptables
fi

conf=/etc/containers/containers.conf
wanted='# Written by credmarket infra/containers/podman-setup.sh
[containers]
# podman'"'"'s default ulimits exceed the hard limits of these machines.
default_ulimits = ["nofile=20000:20000", "nproc=20000:20000"]
[engine]
# crun refuses the hybrid cgroup layout of these machines.
runtime = "runc"
[network]
# With aardvark-dns, containers on a user-defined network find each other by name.
network_backend = "netavark"'
if [[ ! -f $conf ]] || [[ "$(cat "$conf")" != "$wanted" ]]; then
  echo "podman-setup: writing $conf" >&2
  printf '%s\n' "$wanted" >"$conf"
  # A previous run with another network backend leaves state netavark cannot read.
  if [[ "$(podman info --format '{{.Host.NetworkBackend}}' 2>/dev/null || true)" != netavark ]]; then
    podman system reset -f >/dev/null 2>&1 || true
  fi
fi
