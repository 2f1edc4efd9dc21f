#!/usr/bin/env bash
# Installs reconcile on a host, from a checkout of this repository (as root, Node.js >= 20):
#
#   /opt/reconciler/                       the `npm pack` package: dist/, config/ (default.yaml,
#                                          schema.json), docs/, README.md, LICENSE, CHANGELOG.md,
#                                          production node_modules installed from package-lock.json
#   /usr/local/bin/reconcile               -> /opt/reconciler/dist/cli.js (on the PATH)
#   /etc/systemd/system/reconciler.service the unit (its Documentation= is /opt/reconciler/docs/)
#   /etc/systemd/system/reconciler.service.d/node.conf
#                                          only when `node` on the PATH is not /usr/bin/node:
#                                          ExecStart= with the node this script found and checked
#   /etc/reconciler/config.yaml            deploy/config.example.yaml, only when there is none yet
#
# Usage: deploy/install.sh [--root DIR] [--tarball FILE]
#   --root DIR      install below DIR instead of / (a staging root); systemctl is not run
#   --tarball FILE  a tarball made by `npm pack` (default: `npm pack` here, which builds dist/)
#
# Upgrading is the same command: /opt/reconciler is replaced whole, /etc/reconciler is kept.
# Then: systemctl enable --now reconciler && reconcile status
set -euo pipefail

die() { printf 'install: %s\n' "$*" >&2; exit 1; }

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
root=''
tarball=''
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2:?--root needs a directory}"; shift 2 ;;
    --tarball) tarball="${2:?--tarball needs a file}"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (try --help)" ;;
  esac
done
[ -z "$root" ] || root="$(mkdir -p "$root" && cd "$root" && pwd)"

command -v node >/dev/null 2>&1 || die 'node is not installed (Node.js >= 20 is required)'
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || die "Node.js >= 20 is required, found $(node --version)"
[ -f "$repo/package-lock.json" ] || die "no package-lock.json in $repo: run this from a checkout of the repository"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "$tarball" ]; then
  tarball="$work/$(cd "$repo" && npm pack --silent --pack-destination "$work" | tail -n 1)"
fi
[ -f "$tarball" ] || die "no such tarball: $tarball"

prefix="$root/opt/reconciler"
staged="$prefix.new.$$"
mkdir -p "$staged"
tar -xzf "$tarball" -C "$staged" --strip-components=1 --no-same-owner
# npm pack never ships the lock file: the dependencies are the ones this checkout was tested with.
cp "$repo/package-lock.json" "$staged/"
(cd "$staged" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
chmod 0755 "$staged/dist/cli.js"

# Swap the new tree in; the old one goes only once the new one is complete.
if [ -e "$prefix" ]; then mv "$prefix" "$prefix.old.$$"; fi
mv "$staged" "$prefix"
rm -rf "$prefix.old.$$"

mkdir -p "$root/usr/local/bin"
# Relative, so that a staging root works as well as /.
ln -sfn ../../../opt/reconciler/dist/cli.js "$root/usr/local/bin/reconcile"

install -D -m 0644 "$prefix/deploy/reconciler.service" "$root/etc/systemd/system/reconciler.service"
install -d -m 0750 "$root/etc/reconciler"
# The unit runs /usr/bin/node; a node found elsewhere (/usr/local/bin, nvm, a tarball) gets a
# drop-in with its resolved path, so that the service runs the node checked above.
node_bin="$(readlink -f "$(command -v node)")"
dropin_dir="$root/etc/systemd/system/reconciler.service.d"
if [ "$node_bin" = "$(readlink -f /usr/bin/node 2>/dev/null || true)" ]; then
  rm -f "$dropin_dir/node.conf"
else
  case "$node_bin" in *[[:space:]#%\\]*) die "cannot write a unit for node at $node_bin (spaces or #, %, \\ in its path)" ;; esac
  install -d -m 0755 "$dropin_dir"
  { printf '# Written by deploy/install.sh: the node it found on the PATH.\n[Service]\nExecStart=\n'
    sed -n "s#^ExecStart=/usr/bin/node #ExecStart=$node_bin #p" "$prefix/deploy/reconciler.service"; } >"$dropin_dir/node.conf"
  chmod 0644 "$dropin_dir/node.conf"
  echo "node is $node_bin: the unit runs it ($dropin_dir/node.conf)"
fi
if [ ! -e "$root/etc/reconciler/config.yaml" ]; then
  install -m 0640 "$prefix/deploy/config.example.yaml" "$root/etc/reconciler/config.yaml"
fi

version="$("$root/usr/local/bin/reconcile" --version)"
echo "installed reconcile $version in ${root:-}/opt/reconciler"
if [ -z "$root" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo 'next: systemctl enable --now reconciler && reconcile status'
fi
