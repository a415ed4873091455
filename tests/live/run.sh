#!/usr/bin/env bash
# Truth tests (issues 3, 6 and 7): hostcap's verdict against what the real tools do as an
# unprivileged user, on a host where one fault at a time is induced: podman, rootless Docker
# (dockerd-rootless.sh, docker run), unshare, bubblewrap, proot, chroot (and sudo chroot),
# /dev/kvm (KVM_GET_API_VERSION) and nix-build. guix-daemon cannot be judged here: no Debian
# suite this machine reaches (bookworm, bookworm-backports, trixie) packages guix, and the
# upstream tarball is not on a package registry. Where a guix-daemon is installed or apt has a
# candidate for it, the run fails rather than set the real daemon aside (report.py).
#
#   sudo bash tests/live/run.sh [HOSTCAP_BINARY | --hostcap PATH] [--only NAME[,NAME...]] [--keep]
#                               [--record DIR] [--list]
#
# Run as root. The hostcap binary is the argument, else $HOSTCAP, else the newer of
# target/release/hostcap and target/debug/hostcap in the repo; if neither exists it is built with
# `cargo build --release`. --only runs some scenarios (--list names them), --keep keeps the work
# directory (/tmp/hcl.XXXXXX: per scenario the probes' rc/stdout/stderr/cmd, hostcap's JSON and
# facts-* files with what the test user saw; `python3 tests/live/facts.py DIR` turns them into a
# markdown record for recorded-host fixtures). --record DIR copies each scenario's support bundle
# (below) to DIR/SCENARIO.tar.gz, outside the work directory, so it survives the run: unpacked
# (`tar xzf`), it is a recorded host for tests/hosts.
#
# Support bundles (issue 8): in every scenario, right after its own `hostcap check --json`, the
# test user runs `hostcap bundle -o PROBES/bundle.tar.gz` in the same state (same wrapper, same
# environment); after the scenario, root replays it with `hostcap check --json --from` outside the
# scenario's mount namespace (where none of the induced faults exist), and report.py requires the
# same 8 verdicts, the same finding ids and statuses and the same exit code as the user's live run,
# from a bundle under 1 MiB.
#
# podman runs with its DEFAULTS (issue 6): `podman run --rm IMAGE /bin/true`, no --runtime,
# --network, --storage-driver, --root/--runroot, --cgroup-manager or --events-backend. Storage is
# private anyway: HOME and XDG_RUNTIME_DIR point into the scenario directory, so podman keeps its
# images in $HOME/.local/share/containers and its run state in $XDG_RUNTIME_DIR (report.py checks
# that with `podman info`). Only when the default run fails are the variants --network none,
# --runtime runc and both tried, to learn which limit the user would have to accept.
#
# The other targets, each from its real default command as the user (report.py judges them):
#   rootless-docker  `dockerd-rootless.sh` in the background, then `docker run --rm IMAGE
#                /bin/true` (both images) against $XDG_RUNTIME_DIR/docker.sock (docker_probes)
#   proot        `proot -r / true`                                     every scenario
#   chroot       `chroot / /bin/true`; `sudo -n chroot / /bin/true` where the user is in a sudo
#                group (sudo-group; sudo's timestamp directory is a private tmpfs there)
#   vm           open /dev/kvm read-write, ioctl(KVM_GET_API_VERSION) (nshelper.py kvm-api)
#   nix-sandbox  `nix-build` of a one-line derivation in a single-user store under $HOME
#                (NIX_STORE_DIR/NIX_STATE_DIR/NIX_LOG_DIR; a chroot store `--store local?root=`
#                would not do: Nix always sandboxes a diverted store). The default run keeps the
#                user's nix.conf; its output says whether it ran in the sandbox
#                (NIX_BUILD_TOP=/build) or fell back; then `--option sandbox true --option
#                sandbox-fallback false` and `--option sandbox false`. Only substituters '' (no
#                network) and sandbox-paths /bin/sh=busybox (a static shell for the builder; the
#                default is empty) are set. Only in the scenarios whose targets include it.
#                Where there is no /nix, plain `nix-build` (no store of its own) is also run as
#                the user, for the record: Nix 2.8 then fails "creating directory '/nix':
#                Permission denied" (newer Nix would use ~/.local/share/nix/root).
#
# Leaves the machine as found: the test user exists only inside each scenario's private mount
# namespace (bind-mounted copies of /etc/passwd, /etc/group, /etc/subuid, /etc/subgid), every
# fault is a bind/overlay/tmpfs mount or an environment change in that namespace (gone when the
# namespace ends, even on SIGKILL); /tmp, /var/tmp, /dev/shm and /run/lock are private tmpfs there
# (the work directory is bound back into the private /tmp), and the EXIT trap kills the test
# user's processes by pid and removes the work directory.
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
#        [| options, separated by `;`]
# Options: `targets=LIST` the targets judged and probed (comma-separated; `+LIST` adds to the
# default rootless-podman,bubblewrap,proot,chroot,vm; podman's and nix's probes run only where
# their target is judged); `TARGET=EXPR` the acceptable deciding ids for TARGET, overriding the
# global default of report.py (DEFAULT_EXPECT: proot lsm.yama_ptrace_scope, chroot identity.user,
# vm fallback.kvm, nix-sandbox any of nix.no_store nix.sandbox_disabled nix.sandbox_fallback
# userns.*);
# `as=root`: every probe and hostcap run as root (the harness's uid, in the initial user
# namespace) instead of the test user.
# An id expression is checked only when the real tools show the target is not ready: then
# hostcap's `deciding` for that target must satisfy it. Words separated by spaces are
# alternatives (any one will do); ids joined by `+` are all required; "-" = nothing required.
# `@causes` stands for one id per cause the real podman runs showed (report.py, CAUSES: e.g.
# slirp4netns cannot open /dev/net/tun -> network.tun_unusable; crun refuses a hybrid cgroup
# layout -> runtime.crun_hybrid_cgroups), so the same line holds on hosts with other defaults.
# Finding ids are provisional: renaming one is a change on its line here.
# What real podman 4.3.1 did decides the lines (Debian 12, hybrid cgroups, crun 1.8.1, tun 0600):
#   xdg-unset         podman falls back to /tmp/podman-run-UID and sets XDG_RUNTIME_DIR for the
#                     OCI runtime itself: same outcome as baseline, so the baseline's causes decide
#                     (session.runtime_dir_unset may be a warning, not a reason)
#   xdg-missing       podman falls back to /tmp, but crun/runc keep their state in the missing
#                     $XDG_RUNTIME_DIR: "crun: create directory `/run/user/UID`" -> blocked
#   xdg-not-writable  every podman command: 'XDG_RUNTIME_DIR directory "…" is not owned by the
#                     current user' -> blocked
#   stale-pause       podman unshare shows the old 1-id map; the uid-60000 image fails -> degraded
#   fake-root         podman believes it is root: "mkdir /var/lib/containers: permission denied"
#   home-noexec       vfs storage in the noexec home: "exec /bin/true: permission denied" with
#                     crun and runc alike -> blocked
#   home-noexec-overlay  with driver = "overlay" podman's layers are an overlay mount of their own:
#                     the default run works in the noexec home -> ready
#   rootless Docker   (docker.io 20.10.24, rootlesskit 1.1.0) slirp4netns cannot make its tap:
#                     "setting up tap tap0 … ip tuntap add …: exit status 1" -> blocked wherever
#                     /dev/net/tun is 0600; with it open the daemon picks overlay2 and runs, even
#                     in a noexec home; without XDG_RUNTIME_DIR: "XDG_RUNTIME_DIR needs to be set
#                     and writable" -> blocked; with a 1000-id range (small-range-tun-open) the
#                     daemon runs, but importing the uid-60000 image fails "ApplyLayer exit
#                     status 1 … lchown /data/high-owned: invalid argument" -> degraded
#   newuidmap-setuid-user  setuid to the user gains nothing: "newuidmap: write to uid_map failed:
#                     Operation not permitted" -> blocked
#   fuse-mount-program "fuse: failed to open /dev/fuse: Permission denied" on every run -> blocked
# The other targets (Debian 12: nix 2.8.0, sudo 1.9.13, /dev/kvm 0600 root:root):
#   every scenario    `chroot / /bin/true` exit 125 "cannot change root directory to '/': Operation
#                     not permitted" -> blocked (fake-root: exit 0 -> ready); proot exit 0 -> ready;
#                     open("/dev/kvm") EACCES -> degraded (qemu would emulate)
#   sudo-group        "sudo: a password is required" -> degraded (needs sudo with a password)
#   kvm-group         KVM_GET_API_VERSION answers 12 -> ready
#   nix: baseline     the default build runs sandboxed (NIX_BUILD_TOP=/build) -> ready
#   max-userns-zero, seccomp-userns  the default build silently falls back (sandbox-fallback)
#                     and --option sandbox-fallback false fails "cloning builder process:
#                     Operation not permitted" -> degraded
#   nix-sandbox-false the default build runs unsandboxed although the sandbox works -> degraded
#   root              chroot, proot, KVM work; nix-build as root wants its build users: "the group
#                     'nixbld' specified in 'build-users-group' does not exist" (Debian's nix-bin
#                     creates no nixbld group; nix-setup-systemd would)
# ---------------------------------------------------------------------------------------------
SCENARIOS=(
  "baseline|nothing induced: healthy host, user with a 65536-id range|@causes|-|targets=+nix-sandbox"
  "nested-identity|control: the user inside an identity-mapped child user namespace (no limit set)|@causes|-"
  "newuidmap-plain|/usr/bin/newuidmap without setuid and without file caps|idmap.newuidmap_not_privileged|-"
  "newuidmap-filecaps|newuidmap/newgidmap carry cap_setuid+ep/cap_setgid+ep instead of setuid|@causes|-"
  "helpers-missing|newuidmap and newgidmap absent (overlay whiteouts over their directory)|idmap.newuidmap_missing idmap.newgidmap_missing|-"
  "no-subid|no line for the user in /etc/subuid and /etc/subgid|subid.no_range|-"
  "small-range|a 1000-id range in /etc/subuid and /etc/subgid|subid.range_too_small|-"
  "small-range-tun-open|a 1000-id range, and /dev/net/tun usable (mode 0666): rootless Docker's daemon starts|subid.range_too_small|-"
  "subid-unreadable|/etc/subuid and /etc/subgid mode 0600 (the user's 65536-id line is there)|subid.unreadable|-"
  "max-userns-zero|user.max_user_namespaces=0 in the user's (identity-mapped) user namespace|userns.max_user_namespaces_zero|userns.max_user_namespaces_zero|targets=+nix-sandbox;nix-sandbox=nix.no_store userns.max_user_namespaces_zero"
  "nosuid|the helpers' directory bind-mounted onto itself nosuid|idmap.newuidmap_on_nosuid_mount idmap.newgidmap_on_nosuid_mount|-"
  "no-new-privs|the user runs under setpriv --no-new-privs|identity.no_new_privs|-"
  "seccomp-userns|seccomp filter: clone/unshare with CLONE_NEWUSER -> EPERM, clone3 -> ENOSYS (Docker's default profile)|identity.seccomp_filter|identity.seccomp_filter|targets=+nix-sandbox;nix-sandbox=nix.no_store identity.seccomp_filter"
  "tun-open|/dev/net/tun usable: a c 10 200 node of mode 0666 bound over it|@causes|-"
  "runtime-runc|~/.config/containers/containers.conf: [engine] runtime = \"runc\"|@causes|-"
  "tun-open-runc|both: /dev/net/tun mode 0666 and runtime = \"runc\" in the user's containers.conf|@causes|-"
  "xdg-unset|XDG_RUNTIME_DIR not set in the environment|@causes|-"
  "xdg-missing|XDG_RUNTIME_DIR=/run/user/UID, which does not exist|session.runtime_dir_missing|-"
  "xdg-not-writable|XDG_RUNTIME_DIR is a directory owned by root, mode 0755|session.runtime_dir_not_writable session.runtime_dir_wrong_owner|-"
  "stale-pause|podman's pause process started while the user had no subordinate ids (1-id map), still running with a 65536-id range in /etc/subuid and /etc/subgid now|podman.stale_pause_process|-|rootless-docker=@causes"
  "fake-root|the user runs everything, hostcap included, under unshare --user --map-root-user (euid 0 in a one-id namespace)|session.fake_root|-"
  "home-noexec|the user's home (podman's storage) on a noexec mount; tun open and runc, so storage is the only cause|storage.dir_noexec|-"
  "home-noexec-overlay|as home-noexec, with driver = \"overlay\" in the user's storage.conf (native overlay mounts in a user namespace here)|@causes|-"
  "newuidmap-setuid-user|/usr/bin/newuidmap setuid but owned by the test user instead of root|idmap.newuidmap_setuid_non_root|-"
  "fuse-mount-program|the user's storage.conf names fuse-overlayfs as mount_program while /dev/fuse stays 0600; tun open and runc|storage.fuse_unusable|-"
  "sudo-group|the test user in group sudo (the scenario's /etc/group), sudo installed, no password set for the user|-|-|targets=chroot,proot,vm;chroot=fallback.sudo"
  "kvm-group|/dev/kvm usable: a node of its major:minor, mode 0660 root:kvm, bound over it; the test user in group kvm|-|-|targets=vm,chroot,proot"
  "nix-sandbox-false|~/.config/nix/nix.conf: sandbox = false|-|-|targets=nix-sandbox,proot,chroot,vm;nix-sandbox=nix.no_store nix.sandbox_disabled"
  "root|probes and hostcap as root (the harness's uid, initial user namespace; root's home a private tmpfs)|-|-|targets=chroot,proot,vm,nix-sandbox;as=root;nix-sandbox=nix.*"
)

DEFAULT_TARGETS=rootless-podman,rootless-docker,bubblewrap,proot,chroot,vm

log() { printf '[live] %s\n' "$*" >&2; }

sc_option() { # LINE KEY: the value of option KEY in the scenario line's fifth field, else nothing
  local opt; local -a opts
  IFS=';' read -ra opts <<<"$(cut -s -d'|' -f5- <<<"$1")"
  for opt in "${opts[@]}"; do
    opt=${opt#"${opt%%[![:space:]]*}"}; opt=${opt%"${opt##*[![:space:]]}"}
    if [[ $opt == "$2="* ]]; then printf '%s\n' "${opt#*=}"; return; fi
  done
}

sc_targets() { # LINE: the targets the scenario judges (report.py computes the same)
  local t
  t=$(sc_option "$1" targets)
  case $t in
    "") echo "$DEFAULT_TARGETS" ;;
    +*) echo "$DEFAULT_TARGETS,${t#+}" ;;
    *) echo "$t" ;;
  esac
}
die() { printf '[live] error: %s\n' "$*" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# Inside one scenario: runs as root in a private mount namespace (re-exec of this script).
# ---------------------------------------------------------------------------------------------
skip() { printf '%s\n' "$*" >"$S/skip"; exit 0; }

bind_file() { # SRC DST: bind SRC over DST, mount allows setuid/file caps and exec
  mount --bind "$1" "$2"
  mount -o remount,bind,suid,exec "$2"
}

open_tun() { # /dev/net/tun that every user may open: a new 10:200 node, mode 0666, bound over it
  [[ -c /dev/net/tun ]] || skip "/dev/net/tun does not exist here (no tun driver?)"
  mknod "$S/tun" c 10 200
  chmod 0666 "$S/tun"
  mount --bind "$S/tun" /dev/net/tun
  [[ $(stat -c '%a %t:%T' /dev/net/tun) == "666 a:c8" ]] || skip "could not bind a mode 0666 tun node over /dev/net/tun"
}

user_runtime_runc() { # the user's own containers.conf picks runc
  command -v runc >/dev/null || skip "runc is not installed"
  install -d -o "$TUID" -g "$TGID" -m 0700 "$H/.config" "$H/.config/containers"
  printf '[engine]\nruntime = "runc"\n' >"$H/.config/containers/containers.conf"
  chown "$TUID:$TGID" "$H/.config/containers/containers.conf"
  chmod 0644 "$H/.config/containers/containers.conf"
}

add_to_group() { # GROUP [GID]: the test user a member of GROUP in a copy of /etc/group bound over it
  # (GROUP is added with GID when the host has no such group)
  local g=$1 gid=${2:-}
  if ! getent group "$g" >/dev/null; then
    [[ -n $gid ]] || skip "there is no group $g here"
    echo "$g:x:$gid:" >>"$S/group.new"
  fi
  { cat /etc/group; if [[ -f $S/group.new ]]; then cat "$S/group.new"; fi; } \
    | awk -F: -v OFS=: -v g="$g" -v u="$TUSER" '$1 == g { $4 = ($4 == "" ? u : $4 "," u) } 1' >"$S/group"
  rm -f "$S/group.new"
  chmod 0644 "$S/group"
  mount --bind "$S/group" /etc/group
  id -nG "$TUSER" | tr ' ' '\n' | grep -qx "$g" || skip "the test user is not in group $g after binding $S/group"
}

free_gid() { # a gid no group uses, next to the test user's
  local g
  for ((g = TGID + 1; g < 61999; g++)); do
    getent group "$g" >/dev/null || { echo "$g"; return; }
  done
  skip "no free gid after $TGID"
}

setup_scenario() {
  case $SC in
    baseline) ;;
    sudo-group)
      command -v sudo >/dev/null || skip "sudo is not installed"
      # sudo writes its timestamp record (/run/sudo/ts/USER) even when -n fails: keep it private
      [[ -d /run/sudo ]] || skip "/run/sudo does not exist (sudo would create it on the host)"
      mount -t tmpfs -o "mode=$(stat -c %a /run/sudo),nosuid,nodev" hostcap-live-sudo /run/sudo
      if [[ -d /var/lib/sudo ]]; then
        mount -t tmpfs -o "mode=$(stat -c %a /var/lib/sudo),nosuid,nodev" hostcap-live-sudolib /var/lib/sudo
      fi
      add_to_group sudo
      SC_SUDO=1
      ;;
    kvm-group)
      [[ -c /dev/kvm ]] || skip "/dev/kvm does not exist here"
      local kgid maj min
      add_to_group kvm "$(free_gid)"
      kgid=$(getent group kvm | cut -d: -f3)
      read -r maj min < <(stat -c '%t %T' /dev/kvm)
      mknod "$S/kvm" c "$((16#$maj))" "$((16#$min))"
      chown "0:$kgid" "$S/kvm"
      chmod 0660 "$S/kvm"
      mount --bind "$S/kvm" /dev/kvm
      [[ $(stat -c '%a %g' /dev/kvm) == "660 $kgid" ]] || skip "could not bind a mode 0660 root:kvm node over /dev/kvm"
      ;;
    nix-sandbox-false)
      command -v nix-build >/dev/null || skip "nix-build is not installed"
      install -d -o "$TUID" -g "$TGID" -m 0700 "$H/.config" "$H/.config/nix"
      printf 'sandbox = false\n' >"$H/.config/nix/nix.conf"
      chown "$TUID:$TGID" "$H/.config/nix/nix.conf"
      ;;
    root) ;; # as=root: see scenario_main
    nested-identity)
      SC_WRAP=(identity-userns --)
      "$PY" "$NSHELPER_COPY" identity-userns -- true 2>"$S/canary.err" \
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
    small-range|small-range-tun-open)
      if [[ $SC == small-range-tun-open ]]; then open_tun; fi
      { cat "$ETC0/subuid"; echo "$TUSER:$SUBSTART:1000"; } >"$S/subuid"
      { cat "$ETC0/subgid"; echo "$TUSER:$SUBSTART:1000"; } >"$S/subgid"
      mount --bind "$S/subuid" /etc/subuid; mount --bind "$S/subgid" /etc/subgid
      ;;
    max-userns-zero)
      SC_WRAP=(identity-userns --max-user-namespaces 0 --)
      "$PY" "$NSHELPER_COPY" identity-userns --max-user-namespaces 0 -- true 2>"$S/canary.err" \
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
      "$PY" "$NSHELPER_COPY" seccomp-deny-userns -- true 2>"$S/canary.err" \
        || skip "root cannot install a seccomp filter here: $(tail -n1 "$S/canary.err")"
      if "$PY" "$NSHELPER_COPY" seccomp-deny-userns -- unshare --user true 2>"$S/canary.err"; then
        skip "the seccomp filter did not stop unshare(CLONE_NEWUSER)"
      fi
      ;;
    tun-open)
      open_tun
      ;;
    home-noexec|home-noexec-overlay)
      open_tun
      user_runtime_runc
      mount --bind "$H" "$H"
      mount -o remount,bind,noexec "$H"
      findmnt -no OPTIONS -T "$H" | tr ',' '\n' | grep -qx noexec || skip "could not make $H noexec"
      if [[ $SC == home-noexec-overlay ]]; then
        printf '[storage]\ndriver = "overlay"\n' >"$H/.config/containers/storage.conf"
        chown "$TUID:$TGID" "$H/.config/containers/storage.conf"
      fi
      ;;
    newuidmap-setuid-user)
      cp "$NEWUIDMAP" "$S/newuidmap"
      chown "$TUID:$TGID" "$S/newuidmap"; chmod 4755 "$S/newuidmap"
      bind_file "$S/newuidmap" "$NEWUIDMAP"
      [[ -u $NEWUIDMAP && $(stat -c %u "$NEWUIDMAP") == "$TUID" ]] || skip "could not make $NEWUIDMAP setuid to the test user"
      ;;
    fuse-mount-program)
      command -v fuse-overlayfs >/dev/null || skip "fuse-overlayfs is not installed"
      [[ -c /dev/fuse && $(stat -c %a /dev/fuse) == 600 ]] || skip "/dev/fuse is not 0600 here"
      open_tun
      user_runtime_runc
      printf '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmount_program = "%s"\n' \
        "$(command -v fuse-overlayfs)" >"$H/.config/containers/storage.conf"
      chown "$TUID:$TGID" "$H/.config/containers/storage.conf"
      ;;
    runtime-runc)
      user_runtime_runc
      ;;
    tun-open-runc)
      open_tun
      user_runtime_runc
      ;;
    xdg-unset)
      SC_XDG=unset
      ;;
    xdg-missing)
      # what a `su` shell or a session without logind often carries
      SC_XDG=/run/user/$TUID
      [[ ! -e $SC_XDG ]] || skip "$SC_XDG exists on this host"
      ;;
    xdg-not-writable)
      SC_XDG=$S/xdg-root
      mkdir -m 0755 "$SC_XDG"
      chown 0:0 "$SC_XDG"
      ;;
    stale-pause)
      # podman's pause process is started while the user has no subordinate ids (so it holds a
      # one-id map), then the 65536-id range appears: podman keeps joining the old pause process
      # until `podman system migrate`. The probes below must not end it (SC_KEEP_PAUSE).
      mount --bind "$ETC0/subuid" /etc/subuid
      mount --bind "$ETC0/subgid" /etc/subgid
      ! grep -q "^$TUSER:" /etc/subuid || skip "the test user still has a range"
      run_user setup-pause podman unshare sh -c 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
      umount /etc/subuid
      umount /etc/subgid
      grep -q "^$TUSER:$SUBSTART:65536\$" /etc/subuid || skip "the 65536-id range did not come back"
      local pid
      pid=$(cat "$R/libpod/tmp/pause.pid" 2>/dev/null || true)
      [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/uid_map ]] \
        || skip "podman left no pause process (podman unshare exit $(cat "$P/setup-pause.rc"): $(tail -n1 "$P/setup-pause.err"))"
      [[ $(awk 'END{print NR}' "/proc/$pid/uid_map") == 1 ]] || skip "the pause process holds more than a one-id map"
      SC_KEEP_PAUSE=1
      { echo "pause.pid $pid, $(readlink "/proc/$pid/ns/user")"; echo "uid_map:"; cat "/proc/$pid/uid_map"
        echo "gid_map:"; cat "/proc/$pid/gid_map"; } >"$P/facts-stale-pause-setup.txt"
      ;;
    fake-root)
      SC_INNER=(unshare --user --map-root-user --)
      run_user canary-fake-root id -u
      [[ $(cat "$P/canary-fake-root.rc") == 0 && $(cat "$P/canary-fake-root.out") == 0 ]] \
        || skip "the test user cannot run unshare --user --map-root-user: $(tail -n1 "$P/canary-fake-root.err")"
      rm -f "$P"/canary-fake-root.*
      ;;
    *) die "unknown scenario $SC" ;;
  esac
}

# run_user PROBE CMD...: as the test user in the scenario's state; keeps rc, stdout, stderr, cmd
run_user() {
  local probe=$1; shift
  local -a pre=(env -i "SHELL=/bin/sh" "LANG=C.UTF-8" "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
  if [[ $SC_AS == root ]]; then
    pre+=("HOME=$RH" "USER=root" "LOGNAME=root")
  else
    pre+=("HOME=$H" "USER=$TUSER" "LOGNAME=$TUSER")
  fi
  if [[ $SC_XDG != unset ]]; then pre+=("XDG_RUNTIME_DIR=$SC_XDG"); fi
  if ((${#SC_WRAP[@]})); then pre+=("$PY" "$NSHELPER_COPY" "${SC_WRAP[@]}"); fi
  if [[ $SC_AS != root ]]; then
    pre+=(setpriv --reuid "$TUID" --regid "$TGID" --init-groups)
    if [[ $SC_NNP == 1 ]]; then pre+=(--no-new-privs); fi
    pre+=(--)
  fi
  if ((${#SC_INNER[@]})); then pre+=("${SC_INNER[@]}"); fi
  local rc=0
  (cd "$H" && timeout -k 5 "$CMD_TIMEOUT" "${pre[@]}" "$@") \
    >"$P/$probe.out" 2>"$P/$probe.err" </dev/null 9<&- || rc=$?
  echo "$rc" >"$P/$probe.rc"
  local w q=()
  for w in "$@"; do # the command as one would type it: words quoted only where needed
    if [[ $w =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then q+=("$w"); else q+=("'${w//\'/\'\\\'\'}'"); fi
  done
  printf '%s\n' "${q[*]}" >"$P/$probe.cmd"
}

# run_as_root PROBE CMD...: as root (the harness), as after `sudo -i` from the test user
run_as_root() {
  local probe=$1; shift
  local rc=0
  (cd / && timeout -k 5 "$CMD_TIMEOUT" env -i "SHELL=/bin/bash" "LANG=C.UTF-8" \
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "HOME=$RH" USER=root \
    LOGNAME=root "SUDO_USER=$TUSER" "XDG_RUNTIME_DIR=/run/user/0" "$@") \
    >"$P/$probe.out" 2>"$P/$probe.err" </dev/null 9<&- || rc=$?
  echo "$rc" >"$P/$probe.rc"
  printf '%s   # as root\n' "$*" >"$P/$probe.cmd"
}

ok() { [[ $(cat "$P/$1.rc" 2>/dev/null) == 0 ]]; } # PROBE: it ran and exited 0

# where podman may keep its run state: $XDG_RUNTIME_DIR, else its fallbacks in /tmp
runtime_dirs() {
  local d
  for d in "$R" "$SC_XDG" "/run/user/$TUID" "/tmp/podman-run-$TUID" "/tmp/storage-run-$TUID" \
           "/tmp/containers-user-$TUID" "/tmp/run-$TUID"; do
    [[ $d == /* && -d $d ]] && printf '%s\n' "$d"
  done | sort -u
}

end_pause_process() { # podman's pause process keeps the user namespace of the previous call
  local f pid d
  ((SC_KEEP_PAUSE == 0)) || return 0
  while read -r d; do
    for f in "$d/libpod/tmp/pause.pid" "$d"/containers/*/pause.pid; do
      [[ -f $f ]] || continue
      pid=$(cat "$f" 2>/dev/null || true)
      if [[ $pid =~ ^[0-9]+$ ]] && [[ $(awk '/^Uid:/{print $2}' "/proc/$pid/status" 2>/dev/null) == "$TUID" ]]; then
        kill -9 "$pid" 2>/dev/null && echo "ended podman pause process $pid ($f)" >>"$P/pause.log"
      fi
      rm -f "$f"
    done
  done < <(runtime_dirs)
}

# PROBE ARGS...: podman exactly as the user would type it: no --runtime, --network,
# --storage-driver, --root/--runroot, --cgroup-manager or --events-backend. None is needed here:
# HOME and XDG_RUNTIME_DIR keep storage inside the scenario, and podman picks cgroupfs and the
# file events backend by itself when there is no systemd (podman-info shows what it picked).
# Each call starts without a pause process (so it uses this scenario's maps and namespace
# wrappers), except in stale-pause; the last one's pause process is left for hostcap to see.
podman_user() {
  local probe=$1; shift
  end_pause_process
  run_user "$probe" podman "$@"
  settle "$probe"
}

# `podman run --rm` returns before conmon's exit command (`podman container cleanup --rm`) has
# finished; that podman joins or starts a pause process of its own. Wait (up to 5 s) until the
# user has no podman helper left but the pause process, so the next probe starts from a quiet state.
settle() {
  local i st k v rest state uid comm busy
  for ((i = 0; i < 50; i++)); do
    busy=""
    for st in /proc/[0-9]*/status; do
      state="" uid="" comm=""
      { while read -r k v rest; do
          case $k in Name:) comm="$v${rest:+ $rest}" ;; State:) state=$v ;; Uid:) uid=$v; break ;; esac
        done; } 2>/dev/null <"$st" || continue
      [[ $uid == "$TUID" && $state != Z ]] || continue
      # only podman's helpers count: e.g. `unshare --map-auto` leaves a child waiting forever
      # when unshare(CLONE_NEWUSER) fails, which kill_test_procs ends after the scenario
      case $comm in podman|conmon|slirp4netns|crun|runc|catatonit) ;; *) continue ;; esac
      busy+=" ${st#/proc/}($comm)"
    done
    [[ -z $busy ]] && return 0
    sleep 0.1
  done
  echo "after $1: still running after 5 s:${busy//\/status/}" >>"$P/settle.log"
}

# what the test user saw, for recorded-host fixtures (report.py does not judge these)
record_facts() {
  run_user facts-mountinfo grep -E ' /sys/fs/cgroup| - cgroup2? ' /proc/self/mountinfo
  run_user facts-cgroup cat /proc/self/cgroup
  # the controllers of the cgroup2 half (crun < 1.9 refuses a hybrid layout when it has any)
  run_user facts-cgroup2 sh -c 'awk '\''{for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break }}'\'' /proc/self/mountinfo | while read -r m; do
      for f in cgroup.controllers cgroup.subtree_control; do printf "%s/%s: " "$m" "$f"; cat "$m/$f"; done; done'
  run_user facts-env env
  {
    local d f pid
    while read -r d; do
      echo "## runtime dir $d"
      find "$d" -xdev -maxdepth 5 \( -type l -printf '%M %U:%G %p -> %l\n' \) -o -printf '%M %U:%G %p\n' 2>&1 | sort -k3
      for f in "$d/libpod/tmp/pause.pid" "$d"/containers/*/pause.pid; do
        [[ -f $f ]] || continue
        pid=$(cat "$f" 2>/dev/null || true)
        echo "## $f: $pid (bytes, od -c: $(od -An -c "$f" | tr -s ' ' | sed 's/^ //'))"
        [[ $pid =~ ^[0-9]+$ && -d /proc/$pid ]] || { echo "(no such process)"; continue; }
        echo "### /proc/$pid/comm: $(cat "/proc/$pid/comm")"
        echo "### /proc/$pid/cmdline: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
        echo "### /proc/$pid/status Uid: $(awk '/^Uid:/{$1=""; print substr($0,2)}' "/proc/$pid/status")"
        echo "### /proc/$pid/ns/user: $(readlink "/proc/$pid/ns/user") (root's: $(readlink /proc/self/ns/user))"
        echo "### /proc/$pid/uid_map:"; cat "/proc/$pid/uid_map"
        echo "### /proc/$pid/gid_map:"; cat "/proc/$pid/gid_map"
        echo "### /proc/$pid/setgroups: $(cat "/proc/$pid/setgroups")"
      done
    done < <(runtime_dirs)
    echo "## processes of the test user: pid, name, state, parent, user namespace, uid_map lines"
    local st k v rest name state ppid uid
    for st in /proc/[0-9]*/status; do
      name="" state="" ppid="" uid=""
      { while read -r k v rest; do
          case $k in Name:) name="$v${rest:+ $rest}" ;; State:) state=$v ;; PPid:) ppid=$v ;; Uid:) uid=$v; break ;; esac
        done; } 2>/dev/null <"$st" || continue
      [[ $uid == "$TUID" ]] || continue
      pid=${st#/proc/}; pid=${pid%/status}
      echo "$pid '$name' $state ppid=$ppid $(readlink "/proc/$pid/ns/user" 2>/dev/null) uid_map=$(wc -l <"/proc/$pid/uid_map" 2>/dev/null)"
    done
  } >"$P/facts-rundir.txt" 2>&1
}

scenario_main() {
  SC=$1
  S="$WORK/s/$2"; H="$S/home"; R="$S/run"; P="$S/probes"
  SC_WRAP=(); SC_INNER=(); SC_NNP=0; SC_XDG=$R; SC_KEEP_PAUSE=0; SC_AS=${SC_AS:-user}; SC_SUDO=0
  RH=$(getent passwd 0 | cut -d: -f6)
  if [[ $SC_AS == root ]]; then # root's home, a private tmpfs here; no session of its own
    SC_XDG=unset
    [[ -d $RH && $RH != / ]] || die "root's home $RH is not a directory"
    mount -t tmpfs -o "mode=$(stat -c %a "$RH")" hostcap-live-roothome "$RH"
  fi
  # the test user, as seen by everything in this mount namespace, with its home at $HOME (as a
  # login sets it; Nix and hostcap compare the two)
  awk -F: -v OFS=: -v u="$TUSER" -v h="$H" '$1 == u { $6 = h } 1' "$ETC/passwd" >"$S/passwd"
  chmod 0644 "$S/passwd"
  mount --bind "$S/passwd" /etc/passwd
  mount --bind "$ETC/group" /etc/group
  mount --bind "$ETC/subuid" /etc/subuid
  mount --bind "$ETC/subgid" /etc/subgid
  # scratch places the tools write to (podman: /dev/shm/libpod_rootless_lock_UID, /var/tmp
  # imports, /tmp/podman-run-UID without XDG_RUNTIME_DIR, /run/lock) are private to the
  # scenario, so nothing is left even if it is killed. /tmp: a tmpfs with the work directory
  # bound back at its path, moved over /tmp.
  mount -t tmpfs -o mode=1777,nosuid,nodev hostcap-live-shm /dev/shm
  mount -t tmpfs -o mode=1777 hostcap-live-vartmp /var/tmp
  if [[ -d /run/lock && ! -L /run/lock ]]; then
    mount -t tmpfs -o "mode=$(stat -c %a /run/lock),nosuid,nodev" hostcap-live-lock /run/lock
  fi
  [[ $(dirname "$WORK") == /tmp ]] || die "work directory $WORK is not directly in /tmp"
  mkdir "$S/newtmp"
  mount -t tmpfs -o mode=1777 hostcap-live-tmp "$S/newtmp"
  mkdir -m 0711 "$S/newtmp/$(basename "$WORK")"
  mount --bind "$WORK" "$S/newtmp/$(basename "$WORK")"
  mount --move "$S/newtmp" /tmp
  [[ -x $HOSTCAP_COPY && -d $S/home ]] || die "the work directory is not visible in the private /tmp"
  { echo "HOME=$H"; echo "XDG_RUNTIME_DIR=$R"; } >"$S/env"
  setup_scenario
  { echo "HOME=$H"; echo "XDG_RUNTIME_DIR=$SC_XDG"; echo "SCENARIO_RUN=$R"
    echo "WRAP=${SC_WRAP[*]}"; echo "INNER=${SC_INNER[*]}"; echo "NNP=$SC_NNP"; echo "AS=$SC_AS"
    echo "TARGETS=$SC_TARGETS"; } >"$S/env"
  # unshare --propagation private made every mount private; give / back the host's propagation
  if [[ $HOST_ROOT_PROPAGATION == shared* ]]; then mount --make-rshared /; fi
  getent passwd "$TUSER" >/dev/null || die "test user not visible in scenario $SC"

  run_user id id
  if judged rootless-podman || judged bubblewrap; then
    run_user unshare-r unshare --user --map-root-user true
    run_user unshare-auto unshare --user --map-auto true
  fi
  if judged bubblewrap; then run_user bwrap bwrap --unshare-user --ro-bind / / true; fi
  if judged proot; then run_user proot proot -r / true; fi
  if judged chroot; then
    run_user chroot chroot / /bin/true
    # sudo only where the user is in a sudo group: elsewhere sudoers has no rule for the user, and
    # sudo reports such attempts to root (mail_no_user)
    if ((SC_SUDO)); then run_user sudo-chroot sudo -n chroot / /bin/true; fi
  fi
  if judged vm; then run_user kvm "$PY" "$NSHELPER_COPY" kvm-api; fi
  if judged nix-sandbox; then nix_probes; fi
  if judged rootless-docker; then docker_probes; fi
  if judged rootless-podman; then podman_probes; fi
  record_facts
  # hostcap sees the host as the user left it: with the last podman call's pause process
  run_user hostcap "$HOSTCAP_COPY" check --json
  # issue 8: the same check recorded as a support bundle, in the same state; root replays it after
  # the scenario (main), outside this mount namespace, and report.py compares the two
  run_user hostcap-bundle "$HOSTCAP_COPY" bundle -o "$P/bundle.tar.gz"
  # issue 8: an installer runs as root; `--user` must reach the verdicts of the user's own run.
  # Root's environment here (SUDO_USER, XDG_RUNTIME_DIR, HOME) must not leak into the judgement.
  if [[ $SC == baseline ]]; then run_as_root hostcap-as-root "$HOSTCAP_COPY" check --json --user "$TUSER"; fi
  if [[ $SC == stale-pause ]]; then
    # the fix podman documents, to show the diagnosis was right: the new map after migrate
    run_user podman-migrate podman system migrate
    run_user podman-unshare-migrated podman unshare sh -c 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
  fi
  SC_KEEP_PAUSE=0
  end_pause_process
}

judged() { [[ ",$SC_TARGETS," == *",$1,"* ]]; } # TARGET: the scenario judges it

# nix-build as the user: a single-user store under $HOME (the store path differs from /nix/store,
# so Nix may build unsandboxed; a chroot store would always be sandboxed). The builder writes
# NIX_BUILD_TOP and its uid_map into $out: /build and a one-id map when it ran in the sandbox.
nix_probes() {
  local bb nh=$H
  if [[ $SC_AS == root ]]; then nh=$RH; fi
  command -v nix-build >/dev/null || { echo "nix-build is not installed" >"$P/nix.skip"; return; }
  bb=$(readlink -f "$(command -v busybox)" 2>/dev/null) || { echo "busybox is not installed" >"$P/nix.skip"; return; }
  cat >"$nh/hostcap-live.nix" <<'EOF'
{ tag }: derivation {
  name = "hostcap-live-${tag}";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo \"NIX_BUILD_TOP=$NIX_BUILD_TOP\" > $out; while read -r l; do echo \"uid_map: $l\" >> $out; done < /proc/self/uid_map" ];
}
EOF
  if [[ $SC_AS != root ]]; then chown "$TUID:$TGID" "$nh/hostcap-live.nix"; fi
  local -a nixenv=(env "NIX_STORE_DIR=$nh/nix/store" "NIX_STATE_DIR=$nh/nix/var" "NIX_LOG_DIR=$nh/nix/log")
  local -a opts=(--option substituters '' --option sandbox-paths "/bin/sh=$bb")
  local probe out
  run_user nix-default "${nixenv[@]}" nix-build "${opts[@]}" --no-out-link "$nh/hostcap-live.nix" --argstr tag default
  run_user nix-sandbox "${nixenv[@]}" nix-build "${opts[@]}" --option sandbox true --option sandbox-fallback false \
    --no-out-link "$nh/hostcap-live.nix" --argstr tag sandbox
  run_user nix-nosandbox "${nixenv[@]}" nix-build "${opts[@]}" --option sandbox false \
    --no-out-link "$nh/hostcap-live.nix" --argstr tag nosandbox
  # what the user would type, with no store named: only where it cannot write anywhere (no /nix,
  # which a user cannot create; never as root). If it fails, the user's nix-build fails: blocked.
  if [[ $SC_AS != root && ! -e /nix ]]; then
    run_user nix-plain nix-build "${opts[@]}" --no-out-link "$nh/hostcap-live.nix" --argstr tag plain
  fi
  for probe in nix-default nix-sandbox nix-nosandbox; do
    out=$(tail -n1 "$P/$probe.out")
    if [[ $out == "$nh/nix/store/"* && -f $out ]]; then cp "$out" "$P/$probe.built"; fi
  done
}

# Rootless Docker as its documentation has the user start it without systemd: the daemon through
# `dockerd-rootless.sh` (PATH, else Debian's /usr/share/docker.io/contrib), then the client
# against $XDG_RUNTIME_DIR/docker.sock (what `dockerd-rootless-setuptool.sh` tells users to set
# as DOCKER_HOST), `docker run --rm IMAGE /bin/true`, no flags. The daemon keeps its data in
# ~/.local/share/docker and its state in $XDG_RUNTIME_DIR: both inside the scenario. It is
# stopped (SIGTERM, then SIGKILL after 10 s) before podman's probes and hostcap run.
docker_probes() {
  local script sock="" i root_img=hostcap-live-root high_img=hostcap-live-high
  script=$(command -v dockerd-rootless.sh || echo /usr/share/docker.io/contrib/dockerd-rootless.sh)
  [[ -x $script ]] || { echo "dockerd-rootless.sh is not installed" >"$P/docker.skip"; return; }
  if [[ $SC_XDG != unset ]]; then sock=$SC_XDG/docker.sock; fi
  run_user docker-daemon "$script" &
  local daemon=$!
  for ((i = 0; i < 300; i++)); do # the daemon listens, or gives up (30 s at most)
    [[ -n $sock && -S $sock ]] && break
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -n $sock && -S $sock ]] && kill -0 "$daemon" 2>/dev/null; then
    local -a client=(env "DOCKER_HOST=unix://$sock" docker)
    run_user docker-import-root "${client[@]}" import "$IMG/root.tar" "$root_img"
    if ok docker-import-root; then
      run_user docker-run-root "${client[@]}" run --rm "$root_img" /bin/true
      if ! ok docker-run-root; then
        run_user docker-run-root-nonet "${client[@]}" run --rm --network none "$root_img" /bin/true
      fi
    fi
    run_user docker-import-high "${client[@]}" import "$IMG/high.tar" "$high_img"
    if ok docker-import-high; then run_user docker-run-high "${client[@]}" run --rm "$high_img" /bin/true; fi
  fi
  stop_docker "$daemon"
}

# DAEMON: end the rootless daemon started by docker_probes and every process it left
stop_docker() {
  local i
  docker_procs TERM rootlesskit
  for ((i = 0; i < 100; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  docker_procs KILL 'rootlesskit|dockerd|containerd|containerd-shim.*|slirp4netns|vpnkit|runc|docker-proxy|rootlesskit-docker-proxy'
  wait "$1" 2>/dev/null || true
}

docker_procs() { # SIGNAL NAME-REGEX: signal the test user's processes (or its subordinate ids') of those names
  local st k v rest comm uid pid
  for st in /proc/[0-9]*/status; do
    comm="" uid=""
    { while read -r k v rest; do
        case $k in Name:) comm=$v ;; Uid:) uid=$v; break ;; esac
      done; } 2>/dev/null <"$st" || continue
    [[ $uid =~ ^[0-9]+$ ]] && ((uid == TUID || (uid >= SUBSTART && uid < SUBSTART + 65536))) || continue
    [[ $comm =~ ^($2)$ ]] || continue
    pid=${st#/proc/}; pid=${pid%/status}
    kill "-$1" "$pid" 2>/dev/null || true
  done
}

podman_probes() {
  podman_user podman-info info --format json
  podman_user podman-unshare unshare sh -c 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
  local root_img=localhost/hostcap-live-root:latest high_img=localhost/hostcap-live-high:latest
  local -a variant=()
  podman_user podman-import-root import "$IMG/root.tar" "$root_img"
  if ok podman-import-root; then
    podman_user podman-run-root run --rm "$root_img" /bin/true
    if ! ok podman-run-root; then
      # the default fails: which limit would make it work?
      podman_user podman-run-root-nonet run --rm --network none "$root_img" /bin/true
      podman_user podman-run-root-runc run --rm --runtime runc "$root_img" /bin/true
      podman_user podman-run-root-runc-nonet run --rm --runtime runc --network none "$root_img" /bin/true
      if ok podman-run-root-nonet; then variant=(--network none)
      elif ok podman-run-root-runc; then variant=(--runtime runc)
      elif ok podman-run-root-runc-nonet; then variant=(--runtime runc --network none)
      fi
    fi
  fi
  podman_user podman-import-high import "$IMG/high.tar" "$high_img"
  if ok podman-import-high; then
    podman_user podman-run-high run --rm "$high_img" /bin/true
    if ! ok podman-run-high && ((${#variant[@]})); then
      podman_user podman-run-high-variant run --rm "${variant[@]}" "$high_img" /bin/true
    fi
  fi
  run_user buildah-unshare buildah --root "$H/buildah" --runroot "$R/buildah" --storage-driver vfs \
    unshare sh -c 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
}

# ---------------------------------------------------------------------------------------------
# Outside: root in the initial namespaces.
# ---------------------------------------------------------------------------------------------
kill_test_procs() { # by pid: live processes of the test uid or of its subordinate range
  [[ -n ${TUID:-} ]] || return 0
  local pass st k v state uid pid
  for pass in 1 2 3; do
    local found=0
    for st in /proc/[0-9]*/status; do
      state="" uid=""
      # bash's read, no fork per process; a process that is gone by now is skipped
      { while read -r k v _; do
          case $k in State:) state=$v ;; Uid:) uid=$v; break ;; esac
        done; } 2>/dev/null <"$st" || continue
      # zombies only wait for their parent to reap them; kill cannot help
      [[ $uid =~ ^[0-9]+$ && $state != Z ]] || continue
      if ((uid == TUID || (uid >= SUBSTART && uid < SUBSTART + 65536))); then
        pid=${st#/proc/}; pid=${pid%/status}
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

# NAME PROBES: root replays the scenario's bundle outside its mount namespace (none of the induced
# faults exist here: what the replay says comes from the bundle only); --record keeps a copy
replay_bundle() {
  local name=$1 pd=$2 rc=0
  local b=$pd/bundle.tar.gz
  if [[ ! -f $b ]]; then
    log "  no bundle (hostcap bundle exit $(cat "$pd/hostcap-bundle.rc" 2>/dev/null || echo -))"
    return 0
  fi
  (cd / && timeout -k 5 "$CMD_TIMEOUT" env -i "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "LANG=C.UTF-8" "HOME=/root" USER=root LOGNAME=root "$HOSTCAP_COPY" check --json --from "$b") \
    >"$pd/hostcap-replay.out" 2>"$pd/hostcap-replay.err" </dev/null 9<&- || rc=$?
  echo "$rc" >"$pd/hostcap-replay.rc"
  printf 'hostcap check --json --from %s   # as root, outside the scenario\n' "$b" >"$pd/hostcap-replay.cmd"
  if [[ -n $RECORD ]]; then
    install -m 0644 "$b" "$RECORD/$name.tar.gz"
    log "  bundle recorded: $RECORD/$name.tar.gz ($(stat -c %s "$b") bytes)"
  fi
}

install_packages() {
  # nix-bin: the nix-sandbox target (2.8.0, about 15 s and 20 MB); busybox-static: a static /bin/sh
  # for the sandboxed test build; sudo: the sudo-group scenario. guix is not in Debian 12.
  # rootlesskit and docker.io: rootless Docker (Debian's dockerd-rootless.sh is in docker.io's
  # contrib directory; the package's system service is not started, nor needed).
  local -a want=(uidmap podman buildah bubblewrap proot slirp4netns runc libcap2-bin util-linux
                 nix-bin busybox-static sudo rootlesskit docker.io)
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
  local t0=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  local -a apt=(apt-get -o DPkg::Lock::Timeout=300)
  if ! "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >"$WORK/apt.log" 2>&1; then
    log "apt-get install failed; running apt-get update first"
    "${apt[@]}" update >>"$WORK/apt.log" 2>&1 || { tail -n 20 "$WORK/apt.log" >&2; die "apt-get update failed"; }
    "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >>"$WORK/apt.log" 2>&1 \
      || { tail -n 20 "$WORK/apt.log" >&2; die "apt-get install failed"; }
  fi
  log "installed (left installed): ${missing[*]} in $((SECONDS - t0)) s"
  { echo "installed: ${missing[*]} in $((SECONDS - t0)) s"
    grep -E '^(Need to get|After this operation|[0-9]+ upgraded)' "$WORK/apt.log" || true; } >"$WORK/facts-install.txt"
}

pick_user() {
  TUSER=hostcap-live
  ! getent passwd "$TUSER" >/dev/null || die "a user $TUSER already exists on this host; remove it or rename it"
  TUID=""
  local u busy
  # awk exits 2 when a process ends between the glob and its open: not an error here
  busy=" $({ awk '/^Uid:/{print $2}' /proc/[0-9]*/status 2>/dev/null || true; } | sort -u | tr '\n' ' ') "
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
  KEEP=0; HOSTCAP_ARG=""; RECORD=""
  while (($#)); do
    case $1 in
      --hostcap) HOSTCAP_ARG=${2:?}; shift 2 ;;
      --hostcap=*) HOSTCAP_ARG=${1#*=}; shift ;;
      --only) only=${2:?}; shift 2 ;;
      --only=*) only=${1#*=}; shift ;;
      --keep) KEEP=1; shift ;;
      --record) RECORD=${2:?}; shift 2 ;;
      --record=*) RECORD=${1#*=}; shift ;;
      --list) list=1; shift ;;
      -h|--help) sed -n '2,/^set -euo/p' "$SELF" | sed '$d'; exit 0 ;;
      -*) die "unknown argument $1 (see --help)" ;;
      *) [[ -z $HOSTCAP_ARG ]] || die "two hostcap binaries given: $HOSTCAP_ARG and $1"
         HOSTCAP_ARG=$1; shift ;;
    esac
  done
  if ((list)); then printf '%s\n' "${SCENARIOS[@]}" | cut -d'|' -f1,2 | tr '|' '\t'; exit 0; fi
  [[ $(id -u) == 0 ]] || die "run as root (it induces faults with mounts in private mount namespaces)"
  [[ $(uname -s) == Linux ]] || die "Linux only"
  if [[ -n $RECORD ]]; then
    RECORD=$(realpath -m -- "$RECORD")
    [[ $RECORD != /tmp/hcl.* ]] || die "--record $RECORD: not inside a work directory, which is removed at exit"
    mkdir -p -- "$RECORD" || die "--record: cannot create $RECORD"
  fi

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
  echo "$TUSER:x:$TUID:$TGID:hostcap live test user:$WORK/s:/bin/sh" >>"$ETC/passwd" # home: per scenario
  echo "$TUSER:x:$TGID:" >>"$ETC/group"
  { cat "$ETC0/subuid"; echo "$TUSER:$SUBSTART:65536"; } >"$ETC/subuid"
  { cat "$ETC0/subgid"; echo "$TUSER:$SUBSTART:65536"; } >"$ETC/subgid"
  chmod 0644 "$ETC"/*
  install -m 0755 "$HOSTCAP_BIN" "$WORK/bin/hostcap"
  HOSTCAP_COPY="$WORK/bin/hostcap"
  install -m 0644 "$HERE/nshelper.py" "$WORK/bin/nshelper.py" # the kvm probe, readable by the test user
  NSHELPER_COPY="$WORK/bin/nshelper.py"
  make_images
  log "test user $TUSER uid $TUID gid $TGID, subordinate ids $SUBSTART+65536 (exists only in the scenarios' mount namespaces)"
  log "hostcap: $HOSTCAP_BIN"
  log "$(podman --version), $(bwrap --version), runc $(runc --version | awk 'NR==1{print $3}'), $(unshare --version)"
  HOST_ROOT_PROPAGATION=$(findmnt -no PROPAGATION / 2>/dev/null || echo unknown)
  # the host's own view, for comparison with what the test user sees in a scenario (facts.py)
  grep -E ' /sys/fs/cgroup| - cgroup2? ' /proc/self/mountinfo >"$WORK/facts-host-mountinfo.txt" || true
  {
    echo "kernel: $(uname -srm)"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME") (debian_version $(cat /etc/debian_version 2>/dev/null || echo -))"
    echo "$(podman --version)"
    if command -v crun >/dev/null; then echo "crun: $(crun --version | head -n1)"; fi
    echo "runc: $(runc --version | head -n1)"
    echo "slirp4netns: $(slirp4netns --version 2>/dev/null | head -n1)"
    echo "pasta: $(command -v pasta || echo 'not installed')"
    echo "fuse-overlayfs: $(command -v fuse-overlayfs || echo 'not installed')"
    echo "/dev/net/tun: $(stat -c '%A %U:%G %t:%T' /dev/net/tun 2>&1)"
    echo "/dev/fuse: $(stat -c '%A %U:%G %t:%T' /dev/fuse 2>&1)"
    echo "/dev/kvm: $(stat -c '%A %U:%G %t:%T' /dev/kvm 2>&1)"
    echo "\$ $PY tests/live/nshelper.py kvm-api --create-vm    # as root"
    "$PY" "$NSHELPER_COPY" kvm-api --create-vm 2>&1 | sed 's/^/  /'; echo "  exit ${PIPESTATUS[0]}"
    echo "kernel.yama.ptrace_scope: $(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 'absent (no Yama)')"
    echo "nix: $(nix-build --version 2>&1 | head -n1)"
    echo "busybox: $(readlink -f "$(command -v busybox)" 2>&1) ($(file -b "$(readlink -f "$(command -v busybox)")" 2>/dev/null | cut -d, -f1-5))"
    echo "sudo: $(sudo -V 2>/dev/null | head -n1)"
    echo "group sudo: $(getent group sudo || echo absent); group kvm: $(getent group kvm || echo absent)"
    echo "guix: $(apt-cache policy guix 2>/dev/null | awk '/Candidate/{print "candidate " $2}' | grep . || echo 'no such package in the configured Debian sources')"
    # the real daemon within reach: then it must be judged, not set aside (report.py fails)
    { command -v guix-daemon || apt-cache policy guix 2>/dev/null | awk '/Candidate/ && $2 != "(none)" {print "apt candidate guix " $2}'; } \
      >"$WORK/guix-available" 2>/dev/null || true
    echo "/etc/nix/nix.conf: $([[ -e /etc/nix/nix.conf ]] && echo present || echo absent)"
    echo "/run/systemd/system: $([[ -d /run/systemd/system ]] && echo present || echo absent)"
    echo "/run/user: $(stat -c '%A %U:%G' /run/user 2>&1)"
    echo "/ propagation: $HOST_ROOT_PROPAGATION"
    local f
    for f in /etc/containers/containers.conf /etc/containers/storage.conf /usr/share/containers/containers.conf /usr/share/containers/storage.conf; do
      echo "$f: $([[ -e $f ]] && echo present || echo absent)"
    done
  } >"$WORK/facts-host.txt" 2>&1
  export HOST_ROOT_PROPAGATION WORK ETC ETC0 IMG TUSER TUID TGID SUBSTART NEWUIDMAP NEWGIDMAP HOSTCAP_COPY PY HERE CMD_TIMEOUT NSHELPER_COPY

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
    chmod 0755 "$S"
    # the probes' files are written by root; the test user may add its bundle (sticky: it cannot
    # remove or replace root's files)
    chgrp "$TGID" "$S/probes"
    chmod 1775 "$S/probes"
    log "scenario $name: $desc"
    local rc=0
    SC_TARGETS=$(sc_targets "$line") SC_AS=$(sc_option "$line" as) timeout -k 10 "$SCENARIO_TIMEOUT" unshare --mount --propagation private -- \
      "$BASH" "$SELF" __scenario "$name" "$idx" >"$S/log" 2>&1 || rc=$?
    kill_test_procs
    if ((rc != 0)) && [[ ! -f $S/skip ]]; then
      echo "scenario setup failed (exit $rc): $(tail -n 3 "$S/log" | tr '\n' ' ')" >"$S/error"
      log "  setup failed (exit $rc); log:"; sed 's/^/    /' "$S/log" >&2
    fi
    [[ -f $S/skip ]] && log "  SKIP: $(cat "$S/skip")"
    if [[ ! -f $S/skip ]]; then replay_bundle "$name" "$S/probes"; fi
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
