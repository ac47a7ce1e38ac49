#!/usr/bin/env bash
# Builds a Debian base image from Debian's packages (no image registry is reachable here):
#   infra/containers/debian-base.sh <image-name> [suite] [extra,packages]
# e.g. infra/containers/debian-base.sh localhost/debian:bookworm bookworm python3,git
# The image is rebuilt only when it does not exist yet. Needs root and podman-setup.sh.
set -euo pipefail

image=${1:?usage: debian-base.sh <image-name> [suite] [extra,packages]}
suite=${2:-bookworm}
packages=${3:-}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if podman image exists "$image"; then
  exit 0
fi
rootfs=$(mktemp -d /tmp/credmarket-rootfs.XXXXXX)
# debootstrap mounts /proc (and may leave it mounted, e.g. on a busy machine): unmount
# whatever is below the rootfs before archiving or deleting it, or tar would read the
# host's /proc into the image and rm -rf would walk into it.
unmount_below() {
  local targets target
  targets=$(findmnt -R -n -o TARGET --list "$rootfs" 2>/dev/null | grep -v "^$rootfs\$" | sort -r || true)
  for target in $targets; do umount -l "$target" || true; done
}
trap 'unmount_below; rm -rf --one-file-system "$rootfs"' EXIT
include=ca-certificates${packages:+,$packages}
echo "debian-base: debootstrap $suite ($include) -> $image" >&2
debootstrap --variant=minbase --include="$include" "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
  tail -20 "$rootfs.log" >&2
  exit 1
}
rm -f "$rootfs.log"
unmount_below
# apt caches would only make the image larger.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" --one-file-system -c . | podman import --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
echo "debian-base: $image ready" >&2
