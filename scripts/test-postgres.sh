#!/usr/bin/env bash
# Starts a private, throw-away PostgreSQL cluster on loopback for the test suite, runs the given
# command with MSS_DATABASE_URL pointing at it, then stops the cluster and deletes it.
# Usage: scripts/test-postgres.sh <command...>     (PGPORT_TEST picks the port, default 54329)
set -euo pipefail
port="${PGPORT_TEST:-54329}"
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "test-postgres: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 1
fi
dir="$(mktemp -d /tmp/mss-pg.XXXXXX)"
chmod 755 "$dir"
runas=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root: the cluster belongs to the postgres user.
  chown postgres:postgres "$dir"
  runas=(runuser -u postgres --)
fi
cleanup() {
  "${runas[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${runas[@]}" "$bindir/initdb" -D "$dir/data" -U mss --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${runas[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=500" start >/dev/null
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U mss mss_test
echo "test-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
MSS_DATABASE_URL="postgres://mss@127.0.0.1:$port/mss_test" "$@"
