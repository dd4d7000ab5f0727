#!/bin/sh
# The bridge: pure-authd (logins → the hub), pure-ftpd, pure-uploadscript (uploads → the glue)
# and the glue daemon, started together and stopped together. Configuration is the environment;
# docs/ftp-bridge.md lists every variable.
set -eu
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
: "${HUB_URL:?HUB_URL must be set (the hub's https address)}"
: "${BRIDGE_TOKEN:?BRIDGE_TOKEN must be set (the same value as the worker secret)}"
export BRIDGE_DATA="${BRIDGE_DATA:-/srv/switchyard}"
FTP_BIND="${FTP_BIND:-0.0.0.0}"
FTP_PORT="${FTP_PORT:-21}"
FTP_PASSIVE_PORTS="${FTP_PASSIVE_PORTS:-30000:30049}"
FTP_PUBLIC_HOST="${FTP_PUBLIC_HOST:-}"
FTP_TLS="${FTP_TLS:-required}"
FTP_TLS_CERT="${FTP_TLS_CERT:-/run/secrets/ftp-tls/tls.crt}"
FTP_TLS_KEY="${FTP_TLS_KEY:-/run/secrets/ftp-tls/tls.key}"
FTP_MAX_CLIENTS="${FTP_MAX_CLIENTS:-50}"
FTP_MAX_PER_IP="${FTP_MAX_PER_IP:-8}"
FTP_IDLE_MINUTES="${FTP_IDLE_MINUTES:-15}"
FTP_USER="${FTP_USER:-ftpbridge}"
RUN_DIR="$BRIDGE_DATA/run"
export FTP_UID FTP_GID
FTP_UID=$(id -u "$FTP_USER")
FTP_GID=$(id -g "$FTP_USER")

case "$FTP_TLS" in
  required) TLS=3 ;; # AUTH TLS before login, and PROT P: files never travel in clear
  control) TLS=2 ;;  # AUTH TLS before login; the client may choose a clear data channel
  optional) TLS=1 ;;
  off) TLS=0 ;;      # plain FTP only: the operator's explicit choice
  *) echo "FTP_TLS must be required, control, optional or off (got $FTP_TLS)" >&2; exit 2 ;;
esac
if [ "$TLS" != 0 ] && [ ! -r "$FTP_TLS_CERT" ]; then
  echo "FTP_TLS=$FTP_TLS needs a certificate: mount it at $FTP_TLS_CERT (and its key at $FTP_TLS_KEY), or set FTP_TLS=off to run plain FTP" >&2
  exit 2
fi

mkdir -p "$RUN_DIR" "$BRIDGE_DATA/log" "$BRIDGE_DATA/homes"
chmod 0755 "$BRIDGE_DATA" "$BRIDGE_DATA/homes"
rm -f "$RUN_DIR/authd.sock"

PIDS=""
stop() {
  trap - TERM INT
  for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 0' TERM INT

node "$HERE/glue.mjs" daemon &
PIDS="$PIDS $!"
pure-authd -s "$RUN_DIR/authd.sock" -r "$HERE/bin/ftp-auth" &
PIDS="$PIDS $!"
while [ ! -S "$RUN_DIR/authd.sock" ]; do sleep 0.1; done

set -- -S "$FTP_BIND,$FTP_PORT" -l "extauth:$RUN_DIR/authd.sock" \
  -A -E -H -R -0 -o -u 100 \
  -p "$FTP_PASSIVE_PORTS" -c "$FTP_MAX_CLIENTS" -C "$FTP_MAX_PER_IP" -I "$FTP_IDLE_MINUTES" \
  -O "clf:$BRIDGE_DATA/log/transfer.log" -Y "$TLS"
[ "$TLS" = 0 ] || set -- "$@" -2 "$FTP_TLS_CERT,$FTP_TLS_KEY"
[ -z "$FTP_PUBLIC_HOST" ] || set -- "$@" -P "$FTP_PUBLIC_HOST"
pure-ftpd "$@" &
PIDS="$PIDS $!"

# pure-ftpd makes the upload pipe (one per machine, a fixed path); the hook reader follows it.
i=0
while [ ! -p /var/run/pure-ftpd.upload.pipe ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
pure-uploadscript -r "$HERE/bin/ftp-upload" &
PIDS="$PIDS $!"
echo "{\"level\":\"info\",\"msg\":\"FTP bridge listening\",\"port\":$FTP_PORT,\"tls\":\"$FTP_TLS\",\"passive\":\"$FTP_PASSIVE_PORTS\"}"

# If any part stops, all stop: the container host restarts the whole bridge.
while :; do
  for pid in $PIDS; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "{\"level\":\"error\",\"msg\":\"a bridge process exited; stopping\",\"pid\":$pid}" >&2
      stop
      exit 1
    fi
  done
  sleep 1
done
