#!/bin/sh
# One database user per agency's workers, so that each agency holds its own credential (revoked on
# its own, named in the database's logs) and none may change the schema: the tables' owner
# ($POSTGRES_USER, used by `weiquan db upgrade` alone) creates them, and every table it creates is
# readable and writable, never droppable, by the workers' users. Narrow a desk further where your
# DBA wants: the agency desks write only work_items (and reseal parties/notifications at start-up).
#
# Compose runs it on the registry database's first start (/docker-entrypoint-initdb.d); elsewhere
# run it once as the owner: POSTGRES_USER=weiquan POSTGRES_DB=weiquan REGISTRY_DB_PASSWORD_CASE=… sh registry-roles.sh
set -eu
for unit in case legal_aid union inspection arbitration; do
  var=REGISTRY_DB_PASSWORD_$(echo "$unit" | tr '[:lower:]' '[:upper:]')
  password=$(printenv "$var" || true)
  [ -n "$password" ] || { echo "$var is not set" >&2; exit 1; }
  psql -v ON_ERROR_STOP=1 -v role="weiquan_$unit" -v password="$password" -v owner="$POSTGRES_USER" -v db="$POSTGRES_DB" \
       --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
GRANT CONNECT ON DATABASE :"db" TO :"role";
GRANT USAGE ON SCHEMA public TO :"role";
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO :"role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"role";
SQL
done
