#!/usr/bin/env bash
# The playbook in contrib/ansible/ runs against this machine as Ansible would against a
# fleet (`-i localhost, -c local`): it copies the binary named for this architecture, checks
# as an unprivileged user (nobody) through become, fetches the report and summarizes it; this
# script fails unless the summary's table was printed and the report was fetched.
# Ansible (Debian's ansible-core) and sudo (its become method) are installed if missing.
# Usage: tests/fleet/ansible.sh [path/to/hostcap]
set -euo pipefail
cd "$(dirname "$0")/../.."
hostcap=$(realpath "${1:-target/release/hostcap}")

install() {
  local apt=(apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@")
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" >/dev/null 2>&1 \
    || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive "${apt[@]}" >/dev/null; }
}
command -v ansible-playbook >/dev/null || install ansible-core
command -v sudo >/dev/null || install sudo

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# nobody must reach the installed binary.
chmod 755 "$work"
mkdir "$work/dist"
cp "$hostcap" "$work/dist/hostcap-$(uname -m)-unknown-linux-musl"

ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
  ansible-playbook -i localhost, -c local contrib/ansible/hostcap.yml \
  -e hostcap_binaries="$work/dist" -e hostcap_user=nobody \
  -e hostcap_path="$work/hostcap" -e hostcap_reports="$work/reports" | tee "$work/out"

fail() {
  echo "ansible.sh: $*" >&2
  exit 1
}
[ -x "$work/hostcap" ] || fail "the binary was not copied"
grep -q '"schema": "hostcap/report/v2"' "$work/reports/localhost.json" || fail "no report fetched"
grep -q '"nobody' "$work/reports/localhost.json" || fail "the report is not nobody's"
grep -qE '"HOST +rootless-podman +rootless-docker' "$work/out" || fail "summarize printed no table"
grep -qE '"[^ "]+ +(READY|DEGRADED|BLOCKED|UNKNOWN) ' "$work/out" || fail "no row for this host"
grep -qE '"ready +[0-9]/1 ' "$work/out" || fail "no ready counts"
echo "ansible.sh: the playbook checked as nobody, fetched the report and summarized it"
