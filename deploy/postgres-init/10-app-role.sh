#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised: the role the web and worker processes
# connect as. It logs in and owns nothing; `renkou db upgrade`, run as the owner (POSTGRES_USER), grants
# it row access to every schema it migrates, and on the audit trail only SELECT and INSERT.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v app_password="$RENKOU_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE renkou_app LOGIN PASSWORD :'app_password';
SQL
