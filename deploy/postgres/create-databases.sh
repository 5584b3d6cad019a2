#!/usr/bin/env bash
# Runs once, when the PostgreSQL container initialises an empty data volume: creates one role and
# one database per service, each role owning only its own database.
set -euo pipefail

create() {
  local name=$1 password=$2
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v name="$name" -v password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
}

create jpd_access "$JPD_ACCESS_DB_PASSWORD"
create mission_control "$MISSION_CONTROL_DB_PASSWORD"
