#!/bin/sh
# Installs the bridge's parts from Debian's packages: pure-ftpd (with pure-authd and
# pure-uploadscript), Node for the glue, curl for outbound deliveries, openssl for certificates,
# and the unprivileged user partners' files belong to. The Dockerfile runs it to build the image;
# .ci/run and the bridge tests run it on the machine, so what is tested is what ships.
#
#   install.sh                 packages and the user
#   install.sh --prefix DIR    also copies the glue, hooks and run script into DIR (the image)
#   install.sh --test-clients  also lftp, the FTP client the tests and README use
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=""
CLIENTS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --test-clients) CLIENTS=1; shift ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

need=""
command -v pure-ftpd >/dev/null 2>&1 || [ -x /usr/sbin/pure-ftpd ] || need="$need pure-ftpd"
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v curl >/dev/null 2>&1 || need="$need curl ca-certificates"
command -v openssl >/dev/null 2>&1 || need="$need openssl"
[ -z "$CLIENTS" ] || command -v lftp >/dev/null 2>&1 || need="$need lftp"
if [ -n "$need" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $need
fi

# Partners' uploads belong to this user; everything the hub mirrors belongs to root (read-only).
getent group ftpbridge >/dev/null || groupadd --system ftpbridge
getent passwd ftpbridge >/dev/null || useradd --system --gid ftpbridge --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ftpbridge

if [ -n "$PREFIX" ]; then
  mkdir -p "$PREFIX/bin"
  cp "$HERE/glue.mjs" "$HERE/run.sh" "$PREFIX/"
  cp "$HERE/bin/ftp-auth" "$HERE/bin/ftp-upload" "$PREFIX/bin/"
  chmod 0755 "$PREFIX/glue.mjs" "$PREFIX/run.sh" "$PREFIX/bin/ftp-auth" "$PREFIX/bin/ftp-upload"
fi
echo "bridge parts installed: $(pure-ftpd --help 2>&1 | head -1), node $(node --version), $(curl --version | head -1 | cut -d' ' -f1-2)"
