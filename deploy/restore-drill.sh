#!/bin/sh
# restore-drill.sh DUMP [SCRATCH_DATABASE]: restore DUMP into a fresh database and prove the
# ledger in it. Run it monthly on the newest backup; a backup nobody has restored is a hope.
#   ./deploy/restore-drill.sh /var/backups/timebank/timebank-20270301-023000.dump
# Needs: psql/pg_restore on PATH with rights to create databases (PGHOST/PGUSER as usual), and
# the project's virtualenv (FLASK, default .venv/bin/flask, run from the project's folder).
set -eu
dump=$1 scratch=${2:-timebank_restore_drill}
flask=${FLASK:-.venv/bin/flask}
host=${PGHOST:-127.0.0.1} port=${PGPORT:-5432} user=${PGUSER:-postgres}
psql -v ON_ERROR_STOP=1 -q -d postgres -c "DROP DATABASE IF EXISTS $scratch" -c "CREATE DATABASE $scratch"
pg_restore --no-owner --exit-on-error --dbname="$scratch" "$dump"
url="postgresql://$user${PGPASSWORD:+:$PGPASSWORD}@$host:$port/$scratch"
# The restored schema must be the code's: no migration pending.
DATABASE_URL=$url APP_ENV=development "$flask" --app app db check
DATABASE_URL=$url APP_ENV=development "$flask" --app app ledger verify
psql -q -d postgres -c "DROP DATABASE $scratch"
echo "restore drill passed: $dump restores, its schema is current and its ledger balances"
