#!/usr/bin/env bash
# Edge-triggered baseline for the benchmark: a rebuild, from its description (docs/design.md
# §1), of the host service Websoft9 used to keep Cockpit's port equal to apphub's
# config.ini. It is deliberately *not* fixed: it reacts to file events only, asks apphub for the
# port with `docker exec … apphub getconfig`, and falls back to the default 9090 when that fails
# (as Websoft9's script effectively did when getconfig printed nothing).
#
# Environment (set by bench/scenarios/baseline.ts):
#   APPHUB_CONTAINER   container to `docker exec` into
#   UNIT_DIR           directory of cockpit.socket
#   DROPIN_DIR         cockpit.socket.d (the drop-in listen.conf is written here)
#   APPHUB_CONFIG_DIR  host directory holding apphub's config.ini (the volume)
#   WORK_DIR           scratch directory on the same file system, not watched
#   SYSTEMCTL          systemctl command (may be "recorder systemctl"), default systemctl
#   FIREWALL_CMD       firewall-cmd command, default firewall-cmd
#   FIREWALLD_FILES    space-separated cockpit.xml paths to sed
set -u

DEFAULT_PORT=9090
DROPIN_FILE="$DROPIN_DIR/listen.conf"
SYSTEMCTL=${SYSTEMCTL:-systemctl}
FIREWALL_CMD=${FIREWALL_CMD:-firewall-cmd}
FIREWALLD_FILES=${FIREWALLD_FILES:-}

log() { printf '%s baseline: %s\n' "$(date +%s.%N)" "$*" >&2; }

get_port() {
  local port
  port=$(docker exec "$APPHUB_CONTAINER" apphub getconfig --section cockpit --key port 2>"$WORK_DIR/getconfig.err") || port=""
  if [ -z "$port" ]; then
    log "getconfig failed ($(head -c 200 "$WORK_DIR/getconfig.err" | tr '\n' ' ')); using the default $DEFAULT_PORT"
    port=$DEFAULT_PORT
  fi
  printf '%s' "$port"
}

sync_port() {
  local port tmp file
  port=$(get_port)
  # Staged outside the watched directories, so that only the final rename is an event.
  tmp="$WORK_DIR/listen.conf.$$"
  printf '[Socket]\nListenStream=\nListenStream=%s\n' "$port" >"$tmp"
  if cmp -s "$tmp" "$DROPIN_FILE"; then
    rm -f "$tmp"
    return
  fi
  mv -f "$tmp" "$DROPIN_FILE"
  $SYSTEMCTL daemon-reload
  $SYSTEMCTL restart cockpit.socket
  for file in $FIREWALLD_FILES; do
    sed -i "s/port=\"[0-9]*\"/port=\"$port\"/g" "$file" 2>/dev/null
  done
  $FIREWALL_CMD --reload >/dev/null 2>&1
  log "wrote ListenStream=$port"
}

mkdir -p "$DROPIN_DIR" "$WORK_DIR"
sync_port
# -m: keep watching; directories, so that replacement by rename is seen (better than watching
# the file inodes, which Websoft9's script did). Every event runs one sync, in order.
inotifywait -m -e close_write,moved_to,moved_from,create,delete --format '%w%f %e' \
  "$UNIT_DIR" "$DROPIN_DIR" "$APPHUB_CONFIG_DIR" |
  while read -r path events; do
    log "event $events $path"
    sync_port
  done
