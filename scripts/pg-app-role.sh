#!/usr/bin/env bash
# Creates the role Ticketry's tests run as, so row-level security applies
# to them (a superuser or BYPASSRLS role would bypass it), and prints its name.
#
#   export TICKETRY_TEST_ROLE="$(scripts/pg-app-role.sh)"
#
# The role is NOLOGIN, NOSUPERUSER, NOBYPASSRLS; the login user of
# DATABASE_URL becomes a member so Ticketry can `SET LOCAL ROLE` to it.
# Idempotent. Environment: DATABASE_URL (required), TICKETRY_TEST_ROLE
# (default ticketry_test_app).
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL must be set}"
role="${TICKETRY_TEST_ROLE:-ticketry_test_app}"
[[ "$role" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "pg-app-role: bad role name $role" >&2; exit 2; }
psql_bin="$(command -v psql || true)"
if [[ -z "$psql_bin" ]]; then
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
        [[ -x "$d/psql" ]] && { psql_bin="$d/psql"; break; }
    done
fi
[[ -n "$psql_bin" ]] || { echo "pg-app-role: psql not found" >&2; exit 1; }
"$psql_bin" "$DATABASE_URL" -v ON_ERROR_STOP=1 -q >/dev/null <<SQL
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN
        CREATE ROLE $role NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    END IF;
    IF NOT pg_has_role(current_user, '$role', 'MEMBER') THEN
        EXECUTE 'GRANT $role TO ' || quote_ident(current_user);
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END \$\$;
SQL
echo "$role"
