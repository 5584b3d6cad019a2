#!/usr/bin/env bash
# Installs the PostgreSQL server binaries (initdb, pg_ctl) that the tests start a throwaway
# cluster from, unless they are already there or TEST_DATABASE_URL names a server.
set -euo pipefail

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  exit 0
fi
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL binaries not found: install the postgresql package, or set TEST_DATABASE_URL." >&2
  exit 1
fi

echo "Installing the PostgreSQL server binaries for the tests…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
