#!/usr/bin/env bash
# The container check of docker-compose.yml, from nothing to a whole purchase and back:
#   1. rootful podman with runc, netavark/aardvark-dns, iptables (podman-setup.sh, apt);
#   2. a Debian base image and stand-ins for the official images the Compose file and the
#      Dockerfiles name, tagged with their official names (build-standins.sh);
#   3. Docker Compose v2 (infra/tool.sh compose) against podman's Docker API: it builds the
#      project's images from their Dockerfiles, brings everything up, waits for health;
#   4. one whole purchase through the Compose gateway, token checks, then down.
# Usage: infra/containers/compose-check.sh [--project NAME] [--keep] [--no-cache] [--docker-host URL]
#   --no-cache: stand-ins and project images built from scratch (a cold start but for the
#   Debian base image, which debian-base.sh makes once).
# Needs root (rootful podman, apt). docs/deploy.md records its last run and timing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
started=$SECONDS
say() { printf 'compose-check: %s (+%ss)\n' "$*" "$((SECONDS - started))"; }
# The project's uv, as ./dev finds or installs it (PATH has none on a fresh machine).
uv_cmd() { ./dev uv "$@"; }

if [[ " $* " != *" --docker-host "* ]]; then
  say "podman (infra/containers/podman-setup.sh)"
  infra/containers/podman-setup.sh
  say "stand-ins for the official images (infra/containers/build-standins.sh)"
  if [[ " $* " == *" --no-cache "* ]]; then
    infra/containers/build-standins.sh --no-cache
  else
    infra/containers/build-standins.sh
  fi
fi
compose=$(infra/tool.sh compose)
uv_cmd sync --frozen --quiet
say "compose: $compose"
exec "$(uv_cmd run --frozen --no-sync python -c 'import sys; print(sys.executable)')" \
  -m credmarket_infra.deploy.compose_check --compose "$compose" "$@"
