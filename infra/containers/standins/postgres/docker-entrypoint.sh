#!/usr/bin/env bash
# The stand-in's entry point: the same contract as the official image's, written here.
#   - runs as root only long enough to own $PGDATA, then as `postgres`;
#   - on an empty $PGDATA: initdb with $POSTGRES_USER / $POSTGRES_PASSWORD (required),
#     create $POSTGRES_DB, run /docker-entrypoint-initdb.d/*.sql and *.sh once,
#     with the server listening on its Unix socket only;
#   - then `postgres "$@"` listening on all addresses, passwords checked (scram-sha-256).
set -euo pipefail

if [[ "${1:-}" == -* ]]; then set -- postgres "$@"; fi
if [[ "${1:-}" != postgres ]]; then exec "$@"; fi

if [[ $(id -u) == 0 ]]; then
  mkdir -p "$PGDATA"
  chown -R postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

user=${POSTGRES_USER:-postgres}
database=${POSTGRES_DB:-$user}
socket_dir=/var/run/postgresql

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  if [[ -z "${POSTGRES_PASSWORD:-}" ]]; then
    echo "postgres: POSTGRES_PASSWORD must be set to initialise the database" >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  {
    echo "listen_addresses = '*'"
    echo "unix_socket_directories = '$socket_dir'"
  } >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"

  # First start: Unix socket only, so nothing connects before initialisation is done.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --host="$socket_dir" --username="$user")
  if [[ "$database" != postgres ]]; then
    "${psql[@]}" --dbname=postgres --set db="$database" <<<'CREATE DATABASE :"db";'
  fi
  for file in /docker-entrypoint-initdb.d/*; do
    [[ -e "$file" ]] || continue
    case "$file" in
      *.sql) echo "postgres: running $file"; "${psql[@]}" --dbname="$database" -f "$file" ;;
      *.sh) echo "postgres: running $file"; bash "$file" ;;
      *) echo "postgres: ignoring $file" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres: initialised $PGDATA"
fi

exec "$@"
