#!/usr/bin/env bash
# `promtool check metrics` must accept `hostcap check --format prometheus` for every recorded
# host: what node_exporter's textfile collector will be fed. Debian ships promtool only inside
# the prometheus server package, so when it is missing the one file is taken out of that
# package (downloaded, not installed: no server, no dependencies) into target/ci-tools.
# Usage: tests/fleet/promtool.sh [path/to/hostcap]
set -euo pipefail
cd "$(dirname "$0")/../.."
hostcap=${1:-target/release/hostcap}

promtool=$(command -v promtool || true)
if [ -z "$promtool" ]; then
  tools=$PWD/target/ci-tools
  promtool=$tools/promtool
  if [ ! -x "$promtool" ]; then
    mkdir -p "$tools"
    download() { (cd "$tools" && apt-get download prometheus >/dev/null 2>&1); }
    download || { apt-get update >/dev/null && download; }
    dpkg-deb --fsys-tarfile "$tools"/prometheus_*.deb | tar -xO ./usr/bin/promtool >"$promtool.part"
    chmod +x "$promtool.part" && mv "$promtool.part" "$promtool"
    rm -f "$tools"/prometheus_*.deb
  fi
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
count=0
for host in tests/hosts/*/; do
  code=0
  "$hostcap" check --format prometheus --from "$host" >"$out" || code=$?
  if [ "$code" -gt 3 ]; then
    echo "promtool.sh: $host: hostcap exited $code" >&2
    exit 1
  fi
  if ! "$promtool" check metrics <"$out"; then
    echo "promtool.sh: promtool refused the metrics of $host" >&2
    exit 1
  fi
  count=$((count + 1))
done
echo "promtool.sh: promtool accepts the metrics of $count recorded hosts"
