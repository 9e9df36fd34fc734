#!/bin/sh
# backup.sh DIR DATABASE [DAYS]: dump DATABASE (custom format) into DIR, keep DAYS (30) days.
set -eu
dir=$1 database=$2 days=${3:-30}
mkdir -p "$dir"
file="$dir/$database-$(date +%Y%m%d-%H%M%S).dump"
pg_dump --format=custom --no-owner --file="$file.partial" "$database"
mv "$file.partial" "$file"
find "$dir" -name "$database-*.dump" -mtime +"$days" -delete
echo "$file"
