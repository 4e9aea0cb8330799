#!/bin/sh
# One database user per agency's workers, so that each agency holds its own credential (revoked on
# its own, named in the database's logs) and none may change the schema. This makes the users and
# lets them connect; what each may do to each table is granted by the tables' owner
# ($POSTGRES_USER, used by `weiquan db upgrade` alone) when it migrates (registry/grants.py): the
# case workers read and write rows, an agency's workers read parties, liaisons and notices and add
# their own work items. Run `weiquan db upgrade` after adding a user here.
#
# Compose runs it on the registry database's first start (/docker-entrypoint-initdb.d); elsewhere
# run it once as the owner: POSTGRES_USER=weiquan POSTGRES_DB=weiquan REGISTRY_DB_PASSWORD_CASE=… sh registry-roles.sh
set -eu
for unit in case legal_aid union inspection arbitration; do
  var=REGISTRY_DB_PASSWORD_$(echo "$unit" | tr '[:lower:]' '[:upper:]')
  password=$(printenv "$var" || true)
  [ -n "$password" ] || { echo "$var is not set" >&2; exit 1; }
  psql -v ON_ERROR_STOP=1 -v role="weiquan_$unit" -v password="$password" -v db="$POSTGRES_DB" \
       --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
GRANT CONNECT ON DATABASE :"db" TO :"role";
GRANT USAGE ON SCHEMA public TO :"role";
SQL
done
