#!/usr/bin/env bash
# The README's promise on a bare machine: in a fresh Debian container (host network, root,
# only python3, python3-pip, python3-venv, git, curl, ca-certificates), a clone of this
# checkout's HEAD runs `./dev up` then `./dev test` exactly as written, both exit 0; then
# what only CI runs (demo, infra/validate.sh, lint); then `./dev up` and `./dev test` again,
# which must be quick and change nothing: no package, no download, no rebuilt environment.
#
#   infra/checks/bare-machine.sh [suite]     (suite: bookworm, the default, or trixie)
#
# Env: CHECK_PREFIX (names of the image and container; default "credmarket-"),
#      CHECK_PORTS_ENV (an env file of CREDMARKET_*_PORT=N lines, passed into the container,
#      when the default ports are busy on a shared machine; default: none, default ports),
#      SECOND_TEST_ARGS (pytest args of the second `./dev test`; default "--collect-only -q":
#      all of the set-up and collecting every test, not running them twice; "" runs them all).
# Needs root and podman (infra/containers/podman-setup.sh, run here). Takes long: the whole
# test suite runs once inside the container. Uses the default ports (host network), so
# nothing else may listen on them; the container is removed whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

suite=${1:-bookworm}
prefix=${CHECK_PREFIX:-credmarket-}
second_test_args=${SECOND_TEST_ARGS---collect-only -q}
image="localhost/${prefix}bare-debian:$suite"
container="${prefix}bare-machine-$suite-$$"
ports_env=${CHECK_PORTS_ENV:-}
# Every port the stack and `./dev demo` use by default (README, Ports), or the env file's.
ports=(8000 8001 8002 8003 8004 8090 15432 19092 19093 18420)
env_args=()
if [[ -n $ports_env ]]; then
  mapfile -t ports < <(sed -nE 's/^CREDMARKET_[A-Z_]*PORT=([0-9]+)$/\1/p' "$ports_env")
  env_args=(--env-file "$ports_env")
fi

say() { printf 'bare-machine: %s\n' "$*" >&2; }
[[ $(id -u) == 0 ]] || { say "run as root (rootful podman)"; exit 1; }

taken=()
for port in "${ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then taken+=("$port"); fi
done
if ((${#taken[@]})); then
  say "ports ${ports[*]} must be free (the container shares the host network): taken: ${taken[*]}"
  exit 2
fi

infra/containers/podman-setup.sh
# Exactly the packages the promise names; nothing of the project's own.
infra/containers/debian-base.sh "$image" "$suite" python3,python3-pip,python3-venv,git,curl

work=$(mktemp -d /tmp/credmarket-bare.XXXXXX)
cleanup() {
  podman rm -f --time 30 "$container" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# HEAD as a fresh clone sees it: committed files only.
git bundle create "$work/head.bundle" HEAD 2>/dev/null
# Machines here reach the registries through a proxy whose CA is in the system store
# (/usr/local/share/ca-certificates); a machine of this network has it, so the container does.
mkdir -p "$work/ca"
cp /usr/local/share/ca-certificates/*.crt "$work/ca/" 2>/dev/null || true
say "HEAD $(git rev-parse --short HEAD) in $image as $container"

cat >"$work/inside.sh" <<'INSIDE'
set -euo pipefail
second_test_args=$1
# A container has no init system: packages must not start their system services (nginx on
# :80, PostgreSQL on :5432) on the host's network. Debian's own container images do the same.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
if compgen -G '/in/ca/*.crt' >/dev/null; then
  cp /in/ca/*.crt /usr/local/share/ca-certificates/ && update-ca-certificates >/dev/null 2>&1
fi

git -c advice.detachedHead=false -c init.defaultBranch=main clone -q /in/head.bundle /root/credmarket
cd /root/credmarket
timings=()
timed() { # label command...: run it, keep its output, record its seconds
  local label=$1 started=$SECONDS status=0
  shift
  echo "=== $label: $*"
  "$@" 2>&1 | tee "/tmp/$label.log" || status=${PIPESTATUS[0]}
  timings+=("$(printf '%-22s %5ss  exit %s' "$label" "$((SECONDS - started))" "$status")")
  echo "=== $label: exit $status after $((SECONDS - started))s"
  return "$status"
}
report() { printf '\n=== timings\n'; printf '%s\n' "${timings[@]}"; }
trap report EXIT

timed first-up ./dev up
timed first-test ./dev test
timed ci-demo ./dev demo
timed ci-validate infra/validate.sh
timed ci-lint ./dev lint

# The second round: nothing may be installed, downloaded or rebuilt.
dpkg_before=$(sha256sum /var/lib/dpkg/status)
touch /tmp/second-round
# shellcheck disable=SC2086  # pytest args, split on purpose
timed second-up ./dev up
timed second-test ./dev test $second_test_args
status=0
if [[ "$(sha256sum /var/lib/dpkg/status)" != "$dpkg_before" ]]; then
  echo "FAIL: the second round changed the installed packages"; status=1
fi
changed=$(find /usr /etc /opt /root/.m2 /root/.cache/uv .venv .stack/tools .stack/kafka/libs \
  -xdev -newer /tmp/second-round -not -path '*/__pycache__*' 2>/dev/null | head -20)
if [[ -n $changed ]]; then
  echo "FAIL: the second round wrote to installed files:"; echo "$changed"; status=1
fi
if grep -hE 'setup: (missing|installing|apt-get)|fetching jars|^ *(Downloading|Installed|Built) ' \
  /tmp/second-up.log /tmp/second-test.log; then
  echo "FAIL: the second round installed or downloaded something (lines above)"; status=1
fi
((status == 0)) && echo "second round: no package, no download, nothing rewritten"
./dev down >/dev/null
exit "$status"
INSIDE

started=$SECONDS
status=0
# In the background and waited for: bash defers a trap until a foreground command ends, but
# `wait` returns at once on INT or TERM, so the EXIT trap removes the container then too.
podman run --name "$container" --network host "${env_args[@]}" \
  -v "$work:/in:ro" "$image" bash /in/inside.sh "$second_test_args" &
wait $! || status=$?
say "exit $status after $((SECONDS - started))s (image $image kept: podman rmi $image)"
exit "$status"
