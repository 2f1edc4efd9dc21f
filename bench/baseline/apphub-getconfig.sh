#!/bin/sh
# Stand-in for apphub's CLI inside the busybox apphub container (installed by the benchmark with
# `docker exec`, never part of the controller): `apphub getconfig --section S --key K` prints the
# value of K in [S] of config.ini (configparser-like: `=` or `:`, keys case-insensitive), exit 1
# when there is none.
CONFIG=/websoft9/apphub/src/config/config.ini
[ "${1:-}" = getconfig ] || { echo "usage: apphub getconfig --section S --key K" >&2; exit 2; }
shift
section='' key=''
while [ $# -gt 0 ]; do
  case "$1" in
    --section) section=$2; shift 2 ;;
    --key) key=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
awk -v want_section="$section" -v want_key="$key" '
  function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
  /^[ \t]*[#;]/ { next }
  /^[ \t]*\[/ { line = trim($0); current = substr(line, 2, length(line) - 2); next }
  current == want_section {
    i = match($0, /[=:]/)
    if (i == 0) next
    k = tolower(trim(substr($0, 1, i - 1)))
    if (k == tolower(want_key)) { print trim(substr($0, i + 1)); found = 1; exit }
  }
  END { exit found ? 0 : 1 }
' "$CONFIG"
