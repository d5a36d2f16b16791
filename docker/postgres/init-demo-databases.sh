#!/usr/bin/env bash
# Creates the demo source databases and loads them. Run by the official postgres image from
# /docker-entrypoint-initdb.d, once, when the data directory is empty.
#   /demo/schema/<db>.sql       one idempotent schema file per database
#   /demo/data/NNN-<db>.sql     INSERT-only seed files; the word after the first dash names the database
set -euo pipefail

databases=(crm billing support)
psql_cmd=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --no-password)

for db in "${databases[@]}"; do
    echo "aurum-demo: creating database $db"
    "${psql_cmd[@]}" --dbname postgres -c "CREATE DATABASE \"$db\""
    "${psql_cmd[@]}" --dbname "$db" -f "/demo/schema/$db.sql"
done

shopt -s nullglob
for file in /demo/data/*.sql; do
    name=$(basename "$file" .sql)
    db=${name#*-}
    db=${db%%-*}
    if [[ ! " ${databases[*]} " == *" $db "* ]]; then
        echo "aurum-demo: $file names unknown database '$db'" >&2
        exit 1
    fi
    echo "aurum-demo: loading $file into $db"
    "${psql_cmd[@]}" --dbname "$db" --single-transaction -f "$file"
done
