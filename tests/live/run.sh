#!/usr/bin/env bash
# Truth tests (issue 3): hostcap's verdict against what real podman, unshare, bubblewrap and proot
# do as an unprivileged user, on a host where one fault at a time is induced.
#
#   sudo bash tests/live/run.sh [HOSTCAP_BINARY | --hostcap PATH] [--only NAME[,NAME...]] [--keep] [--list]
#
# Run as root. The hostcap binary is the argument, else $HOSTCAP, else the newer of
# target/release/hostcap and target/debug/hostcap in the repo; if neither exists it is built with
# `cargo build --release`. --only runs some scenarios (--list names them), --keep keeps the work
# directory (/tmp/hcl.XXXXXX: per scenario the probes' rc/stdout/stderr and hostcap's JSON).
#
# Leaves the machine as found: the test user exists only inside each scenario's private mount
# namespace (bind-mounted copies of /etc/passwd, /etc/group, /etc/subuid, /etc/subgid), every
# fault is a bind/overlay mount in that namespace (gone when the namespace ends, even on SIGKILL),
# and the EXIT trap kills the test user's processes by pid and removes the work directory.
# Packages that had to be installed stay installed (CI installs them anyway); the output says so.
#
# Exit status: 0 when every scenario that could be induced agrees, 1 when any disagrees,
# 2 on a setup error. The last line is "live: N passed, N failed, N skipped".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
REPO=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
CMD_TIMEOUT=${HOSTCAP_LIVE_TIMEOUT:-60}    # per real-tool command, seconds
SCENARIO_TIMEOUT=600                       # per scenario, seconds (never reached in practice)

# ---------------------------------------------------------------------------------------------
# The scenario table. One line per scenario:
#   name | what is induced | acceptable deciding ids for rootless-podman | ... for bubblewrap
# An id list is checked only when the real tools show the target is not ready: then hostcap's
# `deciding` for that target must contain at least one of the listed ids ("-" = none expected).
# Finding ids are provisional: renaming one is a change on its line here.
# ---------------------------------------------------------------------------------------------
SCENARIOS=(
  "baseline|nothing induced: healthy host, user with a 65536-id range|-|-"
  "nested-identity|control: the user inside an identity-mapped child user namespace (no limit set)|-|-"
  "newuidmap-plain|/usr/bin/newuidmap without setuid and without file caps|idmap.newuidmap_not_privileged|-"
  "newuidmap-filecaps|newuidmap/newgidmap carry cap_setuid+ep/cap_setgid+ep instead of setuid|-|-"
  "helpers-missing|newuidmap and newgidmap absent (overlay whiteouts over their directory)|idmap.newuidmap_missing idmap.newgidmap_missing|-"
  "no-subid|no line for the user in /etc/subuid and /etc/subgid|subid.no_range|-"
  "small-range|a 1000-id range in /etc/subuid and /etc/subgid|subid.range_too_small|-"
  "subid-unreadable|/etc/subuid and /etc/subgid mode 0600 (the user's 65536-id line is there)|subid.unreadable|-"
  "max-userns-zero|user.max_user_namespaces=0 in the user's (identity-mapped) user namespace|userns.max_user_namespaces_zero|userns.max_user_namespaces_zero"
  "nosuid|the helpers' directory bind-mounted onto itself nosuid|idmap.newuidmap_on_nosuid_mount idmap.newgidmap_on_nosuid_mount|-"
  "no-new-privs|the user runs under setpriv --no-new-privs|identity.no_new_privs|-"
  "seccomp-userns|seccomp filter: clone/unshare with CLONE_NEWUSER -> EPERM, clone3 -> ENOSYS (Docker's default profile)|identity.seccomp_filter|identity.seccomp_filter"
)

log() { printf '[live] %s\n' "$*" >&2; }
die() { printf '[live] error: %s\n' "$*" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# Inside one scenario: runs as root in a private mount namespace (re-exec of this script).
# ---------------------------------------------------------------------------------------------
skip() { printf '%s\n' "$*" >"$S/skip"; exit 0; }

bind_file() { # SRC DST: bind SRC over DST, mount allows setuid/file caps and exec
  mount --bind "$1" "$2"
  mount -o remount,bind,suid,exec "$2"
}

setup_scenario() {
  case $SC in
    baseline) ;;
    nested-identity)
      SC_WRAP=(identity-userns --)
      "$PY" "$HERE/nshelper.py" identity-userns -- true 2>"$S/canary.err" \
        || skip "root cannot create an identity-mapped user namespace here: $(tail -n1 "$S/canary.err")"
      ;;
    newuidmap-plain)
      cp "$NEWUIDMAP" "$S/newuidmap"; chmod 0755 "$S/newuidmap"; setcap -r "$S/newuidmap" 2>/dev/null || true
      bind_file "$S/newuidmap" "$NEWUIDMAP"
      [[ ! -u $NEWUIDMAP && -z $(getcap "$NEWUIDMAP") ]] || skip "could not strip setuid/file caps from $NEWUIDMAP"
      ;;
    newuidmap-filecaps)
      cp "$NEWUIDMAP" "$S/newuidmap"; chmod 0755 "$S/newuidmap"
      cp "$NEWGIDMAP" "$S/newgidmap"; chmod 0755 "$S/newgidmap"
      setcap cap_setuid+ep "$S/newuidmap" 2>"$S/canary.err" && setcap cap_setgid+ep "$S/newgidmap" 2>>"$S/canary.err" \
        || skip "setcap failed on the copies in $S (filesystem without security xattrs?): $(tail -n1 "$S/canary.err")"
      bind_file "$S/newuidmap" "$NEWUIDMAP"
      bind_file "$S/newgidmap" "$NEWGIDMAP"
      [[ ! -u $NEWUIDMAP && ! -u $NEWGIDMAP && -n $(getcap "$NEWUIDMAP") && -n $(getcap "$NEWGIDMAP") ]] \
        || skip "file caps did not show on the bind-mounted helpers"
      ;;
    helpers-missing)
      # A read-only overlay of the helpers' directory whose top layer holds whiteouts (0/0 char
      # devices) for both helpers: they are absent for every lookup, nothing else changes.
      local d; d=$(dirname "$NEWUIDMAP")
      [[ $(dirname "$NEWGIDMAP") == "$d" ]] || skip "newuidmap and newgidmap live in different directories"
      mkdir -p "$S/whiteouts"
      mknod "$S/whiteouts/$(basename "$NEWUIDMAP")" c 0 0
      mknod "$S/whiteouts/$(basename "$NEWGIDMAP")" c 0 0
      mount -t overlay hostcap-live -o "lowerdir=$S/whiteouts:$d" "$d" 2>"$S/canary.err" \
        || skip "overlayfs with whiteouts over $d not possible here: $(tail -n1 "$S/canary.err")"
      [[ ! -e $NEWUIDMAP && ! -e $NEWGIDMAP ]] || skip "whiteouts did not hide the helpers"
      if command -v newuidmap >/dev/null || command -v newgidmap >/dev/null; then
        skip "another newuidmap/newgidmap is on PATH: $(command -v newuidmap newgidmap | tr '\n' ' ')"
      fi
      ;;
    no-subid)
      cp "$ETC0/subuid" "$S/subuid"; cp "$ETC0/subgid" "$S/subgid"
      mount --bind "$S/subuid" /etc/subuid; mount --bind "$S/subgid" /etc/subgid
      ;;
    subid-unreadable)
      cp "$ETC/subuid" "$S/subuid"; cp "$ETC/subgid" "$S/subgid"
      chmod 0600 "$S/subuid" "$S/subgid"
      mount --bind "$S/subuid" /etc/subuid; mount --bind "$S/subgid" /etc/subgid
      ;;
    small-range)
      { cat "$ETC0/subuid"; echo "$TUSER:$SUBSTART:1000"; } >"$S/subuid"
      { cat "$ETC0/subgid"; echo "$TUSER:$SUBSTART:1000"; } >"$S/subgid"
      mount --bind "$S/subuid" /etc/subuid; mount --bind "$S/subgid" /etc/subgid
      ;;
    max-userns-zero)
      SC_WRAP=(identity-userns --max-user-namespaces 0 --)
      "$PY" "$HERE/nshelper.py" identity-userns --max-user-namespaces 0 -- true 2>"$S/canary.err" \
        || skip "root cannot set a per-namespace user.max_user_namespaces=0 here: $(tail -n1 "$S/canary.err")"
      ;;
    nosuid)
      local d; d=$(dirname "$NEWUIDMAP")
      mount --bind "$d" "$d"
      mount -o remount,bind,nosuid "$d"
      findmnt -no OPTIONS -T "$NEWUIDMAP" | tr ',' '\n' | grep -qx nosuid || skip "could not make $d nosuid"
      findmnt -no OPTIONS -T "$NEWGIDMAP" | tr ',' '\n' | grep -qx nosuid || skip "newgidmap is not on the nosuid mount"
      ;;
    no-new-privs)
      SC_NNP=1
      ;;
    seccomp-userns)
      SC_WRAP=(seccomp-deny-userns --)
      "$PY" "$HERE/nshelper.py" seccomp-deny-userns -- true 2>"$S/canary.err" \
        || skip "root cannot install a seccomp filter here: $(tail -n1 "$S/canary.err")"
      if "$PY" "$HERE/nshelper.py" seccomp-deny-userns -- unshare --user true 2>"$S/canary.err"; then
        skip "the seccomp filter did not stop unshare(CLONE_NEWUSER)"
      fi
      ;;
    *) die "unknown scenario $SC" ;;
  esac
}

# run_user PROBE CMD...: as the test user in the scenario's state; keeps rc, stdout, stderr
run_user() {
  local probe=$1; shift
  local -a pre=(env -i "HOME=$H" "USER=$TUSER" "LOGNAME=$TUSER" "SHELL=/bin/sh" "LANG=C.UTF-8"
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "XDG_RUNTIME_DIR=$R")
  if ((${#SC_WRAP[@]})); then pre+=("$PY" "$HERE/nshelper.py" "${SC_WRAP[@]}"); fi
  pre+=(setpriv --reuid "$TUID" --regid "$TGID" --init-groups)
  if [[ $SC_NNP == 1 ]]; then pre+=(--no-new-privs); fi
  local rc=0
  (cd "$H" && timeout -k 5 "$CMD_TIMEOUT" "${pre[@]}" -- "$@") \
    >"$P/$probe.out" 2>"$P/$probe.err" </dev/null 9<&- || rc=$?
  echo "$rc" >"$P/$probe.rc"
  printf '%s\n' "$*" >"$P/$probe.cmd"
}

end_pause_process() { # podman's pause process keeps the user namespace of the previous call
  local f pid
  for f in "$R/libpod/tmp/pause.pid" "$R"/containers/*/pause.pid; do
    [[ -f $f ]] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    if [[ $pid =~ ^[0-9]+$ ]] && [[ $(awk '/^Uid:/{print $2}' "/proc/$pid/status" 2>/dev/null) == "$TUID" ]]; then
      kill -9 "$pid" 2>/dev/null && echo "ended podman pause process $pid ($f)" >>"$P/pause.log"
    fi
    rm -f "$f"
  done
}

podman_user() { # PROBE ARGS...: podman with private storage, runc, no systemd
  local probe=$1; shift
  end_pause_process
  run_user "$probe" podman --root "$H/storage" --runroot "$R/storage" --storage-driver vfs \
    --runtime runc --cgroup-manager cgroupfs --events-backend file "$@"
}

scenario_main() {
  SC=$1
  S="$WORK/s/$2"; H="$S/home"; R="$S/run"; P="$S/probes"
  SC_WRAP=(); SC_NNP=0
  # the test user, as seen by everything in this mount namespace
  mount --bind "$ETC/passwd" /etc/passwd
  mount --bind "$ETC/group" /etc/group
  mount --bind "$ETC/subuid" /etc/subuid
  mount --bind "$ETC/subgid" /etc/subgid
  # scratch places the tools write to (podman: /dev/shm/libpod_rootless_lock_UID, /var/tmp imports)
  # are private to the scenario, so nothing is left even if it is killed
  mount -t tmpfs -o mode=1777,nosuid,nodev hostcap-live-shm /dev/shm
  mount -t tmpfs -o mode=1777 hostcap-live-vartmp /var/tmp
  setup_scenario
  # unshare --propagation private made every mount private; give / back the host's propagation
  if [[ $HOST_ROOT_PROPAGATION == shared* ]]; then mount --make-rshared /; fi
  getent passwd "$TUSER" >/dev/null || die "test user not visible in scenario $SC"

  run_user id id
  run_user unshare-r unshare --user --map-root-user true
  run_user unshare-auto unshare --user --map-auto true
  run_user bwrap bwrap --unshare-user --ro-bind / / true
  run_user proot proot -r / true
  podman_user podman-unshare unshare sh -c 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
  podman_user podman-import-root import "$IMG/root.tar" localhost/hostcap-live-root:latest
  if [[ $(cat "$P/podman-import-root.rc") == 0 ]]; then
    podman_user podman-run-root run --rm --network none localhost/hostcap-live-root:latest /bin/true
  fi
  podman_user podman-import-high import "$IMG/high.tar" localhost/hostcap-live-high:latest
  if [[ $(cat "$P/podman-import-high.rc") == 0 ]]; then
    podman_user podman-run-high run --rm --network none localhost/hostcap-live-high:latest /bin/true
  fi
  run_user buildah-unshare buildah --root "$H/buildah" --runroot "$R/buildah" --storage-driver vfs \
    unshare sh -c 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
  if [[ $SC == baseline ]]; then
    # informative only: podman's defaults on this host (OCI runtime, network)
    end_pause_process
    run_user podman-info-default podman --root "$H/storage" --runroot "$R/storage" --storage-driver vfs \
      --cgroup-manager cgroupfs --events-backend file info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupsVersion}} {{.Host.NetworkBackend}}'
    if [[ $(cat "$P/podman-import-root.rc") == 0 ]]; then
      if command -v crun >/dev/null; then
        podman_user podman-run-crun run --rm --network none --runtime crun localhost/hostcap-live-root:latest /bin/true
      fi
      podman_user podman-run-slirp run --rm localhost/hostcap-live-root:latest /bin/true
    fi
  fi
  end_pause_process
  run_user hostcap "$HOSTCAP_COPY" check --json
  end_pause_process
}

# ---------------------------------------------------------------------------------------------
# Outside: root in the initial namespaces.
# ---------------------------------------------------------------------------------------------
kill_test_procs() { # by pid: processes of the test uid or of its subordinate range
  [[ -n ${TUID:-} ]] || return 0
  local pass st uid
  for pass in 1 2 3; do
    local found=0
    for st in /proc/[0-9]*/status; do
      uid=$(awk '/^Uid:/{print $2; exit}' "$st" 2>/dev/null || true)
      [[ $uid =~ ^[0-9]+$ ]] || continue
      if ((uid == TUID || (uid >= SUBSTART && uid < SUBSTART + 65536))); then
        local pid=${st#/proc/}; pid=${pid%/status}
        kill -9 "$pid" 2>/dev/null && found=1
      fi
    done
    ((found)) || return 0
    sleep 0.2
  done
}

cleanup() {
  local rc=$?
  trap - EXIT
  kill_test_procs || true
  if [[ -n ${WORK:-} && -d $WORK ]]; then
    if ((KEEP)); then log "kept $WORK"; else rm -rf --one-file-system "$WORK"; fi
  fi
  local f
  for f in "${CREATED_FILES[@]}"; do rm -f "$f"; done
  exit "$rc"
}

install_packages() {
  local -a want=(uidmap podman buildah bubblewrap proot slirp4netns runc libcap2-bin util-linux)
  [[ -x $PY ]] || want+=(python3)
  local -a missing=() p
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    log "packages present: ${want[*]}"
    return
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install by hand: ${missing[*]}"
  log "installing: ${missing[*]} (they stay installed afterwards; CI installs them anyway)"
  export DEBIAN_FRONTEND=noninteractive
  local -a apt=(apt-get -o DPkg::Lock::Timeout=300)
  if ! "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >"$WORK/apt.log" 2>&1; then
    log "apt-get install failed; running apt-get update first"
    "${apt[@]}" update >>"$WORK/apt.log" 2>&1 || { tail -n 20 "$WORK/apt.log" >&2; die "apt-get update failed"; }
    "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >>"$WORK/apt.log" 2>&1 \
      || { tail -n 20 "$WORK/apt.log" >&2; die "apt-get install failed"; }
  fi
  log "installed (left installed): ${missing[*]}"
}

pick_user() {
  TUSER=hostcap-live
  ! getent passwd "$TUSER" >/dev/null || die "a user $TUSER already exists on this host; remove it or rename it"
  TUID=""
  local u busy
  busy=" $(awk '/^Uid:/{print $2}' /proc/[0-9]*/status 2>/dev/null | sort -u | tr '\n' ' ') "
  for ((u = 61000; u < 61999; u++)); do
    getent passwd "$u" >/dev/null && continue
    getent group "$u" >/dev/null && continue
    [[ $busy == *" $u "* ]] && continue
    TUID=$u; break
  done
  [[ -n $TUID ]] || die "no free uid in 61000..61998"
  TGID=$TUID
  # a subordinate range that overlaps nobody's, starting at 200000, in steps of 65536
  SUBSTART=$("$PY" - "$ETC0/subuid" "$ETC0/subgid" <<'EOF'
import sys
used = []
for path in sys.argv[1:]:
    for line in open(path, errors="replace"):
        parts = line.strip().split(":")
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            used.append((int(parts[1]), int(parts[1]) + int(parts[2])))
start = 200000
while any(a < start + 65536 and start < b for a, b in used):
    start += 65536
print(start)
EOF
)
}

make_images() { # two tiny rootfs tars: root-owned only, and one with a file owned by uid 60000
  local fs="$IMG/rootfs" f
  mkdir -p "$fs"/{bin,etc,dev,proc,sys,tmp,run,root,data}
  chmod 1777 "$fs/tmp"
  cp /usr/bin/true "$fs/bin/true"
  for f in $(ldd /usr/bin/true | grep -o '/[^ ]*'); do
    cp -L --parents "$f" "$fs/"
  done
  echo 'root:x:0:0:root:/root:/bin/true' >"$fs/etc/passwd"
  echo 'root:x:0:' >"$fs/etc/group"
  echo 'owned by root' >"$fs/data/root-owned"
  tar --numeric-owner -C "$fs" -cf "$IMG/root.tar" .
  echo 'owned by uid 60000' >"$fs/data/high-owned"
  chown 60000:60000 "$fs/data/high-owned"
  tar --numeric-owner -C "$fs" -cf "$IMG/high.tar" .
  chmod 0755 "$IMG"; chmod 0644 "$IMG"/*.tar
}

find_hostcap() {
  local b=${HOSTCAP_ARG:-${HOSTCAP:-}}
  if [[ -z $b ]]; then
    # the newer of the release and debug builds (CI's `cargo test` leaves only a debug one)
    local rel=$REPO/target/release/hostcap dbg=$REPO/target/debug/hostcap
    if [[ -x $rel && ( ! -x $dbg || ! $dbg -nt $rel ) ]]; then b=$rel
    elif [[ -x $dbg ]]; then b=$dbg
    else
      log "no hostcap binary; building it: cargo build --release"
      (cd "$REPO" && cargo build --release) >&2 || die "cargo build --release failed"
      b=$REPO/target/release/hostcap
    fi
  fi
  [[ -x $b ]] || die "hostcap binary not found or not executable: $b"
  HOSTCAP_BIN=$(readlink -f "$b")
}

main() {
  local only="" list=0
  KEEP=0; HOSTCAP_ARG=""
  while (($#)); do
    case $1 in
      --hostcap) HOSTCAP_ARG=${2:?}; shift 2 ;;
      --hostcap=*) HOSTCAP_ARG=${1#*=}; shift ;;
      --only) only=${2:?}; shift 2 ;;
      --only=*) only=${1#*=}; shift ;;
      --keep) KEEP=1; shift ;;
      --list) list=1; shift ;;
      -h|--help) sed -n '2,20p' "$SELF"; exit 0 ;;
      -*) die "unknown argument $1 (see --help)" ;;
      *) [[ -z $HOSTCAP_ARG ]] || die "two hostcap binaries given: $HOSTCAP_ARG and $1"
         HOSTCAP_ARG=$1; shift ;;
    esac
  done
  if ((list)); then printf '%s\n' "${SCENARIOS[@]}" | cut -d'|' -f1,2 | tr '|' '\t'; exit 0; fi
  [[ $(id -u) == 0 ]] || die "run as root (it induces faults with mounts in private mount namespaces)"
  [[ $(uname -s) == Linux ]] || die "Linux only"

  local t_start=$SECONDS
  # one run at a time (the test uid is picked from the real user database, which we never write)
  exec 9<"$SELF"
  flock -n 9 || die "another run of $SELF is in progress"
  CREATED_FILES=()
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  WORK=$(mktemp -d /tmp/hcl.XXXXXX)
  chmod 0711 "$WORK"

  install_packages
  find_hostcap
  local f
  for f in /etc/subuid /etc/subgid; do
    if [[ ! -e $f ]]; then : >"$f"; CREATED_FILES+=("$f"); log "created empty $f (removed at exit)"; fi
  done
  NEWUIDMAP=$(readlink -f "$(command -v newuidmap)") || die "newuidmap not found after install"
  NEWGIDMAP=$(readlink -f "$(command -v newgidmap)") || die "newgidmap not found after install"

  # copies of the user database with the test user added; bind-mounted in each scenario only
  ETC0="$WORK/etc-orig"; ETC="$WORK/etc"; IMG="$WORK/img"
  mkdir -p "$ETC0" "$ETC" "$IMG" "$WORK/bin" "$WORK/s"
  cp /etc/subuid /etc/subgid "$ETC0/"
  pick_user
  cp /etc/passwd /etc/group "$ETC/"
  echo "$TUSER:x:$TUID:$TGID:hostcap live test user:$WORK/s:/bin/sh" >>"$ETC/passwd"
  echo "$TUSER:x:$TGID:" >>"$ETC/group"
  { cat "$ETC0/subuid"; echo "$TUSER:$SUBSTART:65536"; } >"$ETC/subuid"
  { cat "$ETC0/subgid"; echo "$TUSER:$SUBSTART:65536"; } >"$ETC/subgid"
  chmod 0644 "$ETC"/*
  install -m 0755 "$HOSTCAP_BIN" "$WORK/bin/hostcap"
  HOSTCAP_COPY="$WORK/bin/hostcap"
  make_images
  log "test user $TUSER uid $TUID gid $TGID, subordinate ids $SUBSTART+65536 (exists only in the scenarios' mount namespaces)"
  log "hostcap: $HOSTCAP_BIN"
  log "$(podman --version), $(bwrap --version), runc $(runc --version | awk 'NR==1{print $3}'), $(unshare --version)"
  HOST_ROOT_PROPAGATION=$(findmnt -no PROPAGATION / 2>/dev/null || echo unknown)
  export HOST_ROOT_PROPAGATION WORK ETC ETC0 IMG TUSER TUID TGID SUBSTART NEWUIDMAP NEWGIDMAP HOSTCAP_COPY PY HERE CMD_TIMEOUT

  local line name desc idx=0
  : >"$WORK/scenarios.tsv"
  for line in "${SCENARIOS[@]}"; do
    name=${line%%|*}
    if [[ -n $only && ",$only," != *",$name,"* ]]; then continue; fi
    printf '%s\n' "$line" >>"$WORK/scenarios.tsv"
    desc=$(cut -d'|' -f2 <<<"$line")
    # short paths: podman refuses a runroot longer than 50 characters
    idx=$((idx + 1))
    local S="$WORK/s/$idx" t0=$SECONDS
    mkdir -p "$S/home" "$S/run" "$S/probes"
    chown "$TUID:$TGID" "$S/home" "$S/run"
    chmod 0700 "$S/home" "$S/run"
    chmod 0755 "$S" "$S/probes"
    log "scenario $name: $desc"
    local rc=0
    timeout -k 10 "$SCENARIO_TIMEOUT" unshare --mount --propagation private -- \
      "$BASH" "$SELF" __scenario "$name" "$idx" >"$S/log" 2>&1 || rc=$?
    kill_test_procs
    if ((rc != 0)) && [[ ! -f $S/skip ]]; then
      echo "scenario setup failed (exit $rc): $(tail -n 3 "$S/log" | tr '\n' ' ')" >"$S/error"
      log "  setup failed (exit $rc); log:"; sed 's/^/    /' "$S/log" >&2
    fi
    [[ -f $S/skip ]] && log "  SKIP: $(cat "$S/skip")"
    log "  done in $((SECONDS - t0)) s"
  done

  # leftovers of the test uid in the usual scratch places (there should be none)
  local left
  left=$(find /tmp /var/tmp /dev/shm /run -xdev \( -uid "$TUID" -o -gid "$TGID" \) -not -path "$WORK/*" 2>/dev/null | head -n 20 || true)
  if [[ -n $left ]]; then
    log "removing files the test user left outside the work dir:"; printf '    %s\n' $left >&2
    find /tmp /var/tmp /dev/shm /run -xdev \( -uid "$TUID" -o -gid "$TGID" \) -not -path "$WORK/*" -delete 2>/dev/null || true
  fi

  log "scenarios took $((SECONDS - t_start)) s; the test user and $WORK are removed at exit; installed packages stay"
  local verdict_rc=0
  "$PY" "$HERE/report.py" "$WORK" || verdict_rc=$?
  return "$verdict_rc"
}

if [[ ${1:-} == __scenario ]]; then
  scenario_main "$2" "$3"
  exit 0
fi
main "$@"
