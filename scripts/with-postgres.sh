#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster on loopback:
#   scripts/with-postgres.sh <command...>
# initdb into a temp directory (as the unprivileged `postgres` user when run as root), start the
# server on 127.0.0.1 on a free port with fsync off, create a user and a database, export
# SLUICE_TEST_POSTGRES_URL=postgres://..., run the command, then stop the server and delete the
# directory. Exits with the command's status. When PostgreSQL is not installed the command still
# runs, without SLUICE_TEST_POSTGRES_URL (PostgreSQL tests then skip), and a note says so.
set -uo pipefail

if (($# == 0)); then
  echo "usage: $0 <command...>" >&2
  exit 2
fi

pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do
  [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && pg_bin="$dir"  # the last is the newest version
done
if [[ -z "$pg_bin" ]]; then
  echo "with-postgres: PostgreSQL server binaries not found (apt-get install postgresql);" \
    "running without SLUICE_TEST_POSTGRES_URL" >&2
  "$@"
  exit $?
fi

as_pg=()
if [[ $(id -u) == 0 ]]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with-postgres: running as root and no 'postgres' user exists to own the cluster" >&2
    exit 1
  fi
  as_pg=(runuser -u postgres --)
fi

work_dir="$(mktemp -d /tmp/sluice-pg-XXXXXX)"
chmod 755 "$work_dir"
pgdata="$work_dir/data"
socket_dir="$work_dir/socket"
mkdir -p "$socket_dir"
[[ ${#as_pg[@]} -gt 0 ]] && chown postgres "$work_dir" "$socket_dir"

cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

password="sluice-$RANDOM$RANDOM"
printf '%s\n' "$password" >"$work_dir/pwfile"
[[ ${#as_pg[@]} -gt 0 ]] && chown postgres "$work_dir/pwfile"
if ! "${as_pg[@]}" "$pg_bin/initdb" -D "$pgdata" -U sluice --pwfile="$work_dir/pwfile" \
  -A scram-sha-256 -E UTF8 --no-sync >"$work_dir/initdb.log" 2>&1; then
  cat "$work_dir/initdb.log" >&2
  exit 1
fi

started=0
for _ in 1 2 3 4 5; do
  port="$(free_port)"
  if "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -l "$work_dir/server.log" -w -t 30 \
    -o "-h 127.0.0.1 -p $port -k $socket_dir -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=200" start >/dev/null 2>&1; then
    started=1
    break
  fi
done
if ((started == 0)); then
  echo "with-postgres: could not start PostgreSQL; server log:" >&2
  cat "$work_dir/server.log" >&2
  exit 1
fi

if ! PGPASSWORD="$password" "$pg_bin/psql" -q -h 127.0.0.1 -p "$port" -U sluice -d postgres \
  -v ON_ERROR_STOP=1 -c "CREATE DATABASE sluice_test OWNER sluice" >/dev/null; then
  echo "with-postgres: could not create the test database" >&2
  exit 1
fi

export SLUICE_TEST_POSTGRES_URL="postgres://sluice:$password@127.0.0.1:$port/sluice_test?sslmode=disable"
echo "with-postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
status=$?
exit "$status"
