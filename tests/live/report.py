#!/usr/bin/env python3
"""Judge one run of tests/live/run.sh: what the real tools did, what hostcap said, do they agree.

    report.py WORKDIR

Reads WORKDIR/scenarios.tsv (the scenario table of run.sh, the lines that ran) and, per scenario,
WORKDIR/s/N/{env,skip,error,probes/PROBE.{rc,out,err,cmd,built}}. Prints the per-tool table, the
verdict table and the real tools' stderr, and ends with "live: N passed, N failed, N skipped".
Exit 0 when no scenario disagrees, 1 otherwise.

A scenario judges the targets of its `targets=` option (run.sh's table, fifth field; default
rootless-podman, bubblewrap, proot, chroot, vm; `+LIST` adds), each against the real tool's verdict
below. guix-daemon cannot be judged here (no Debian suite this machine reaches packages guix);
where run.sh finds one installed or an apt candidate for it, the run fails instead of setting the
real daemon aside.

The real verdicts, from the real tools only. podman runs with its defaults, as a user types it
(`podman run --rm IMAGE /bin/true`: no --runtime, --network, --storage-driver, --root); only when
that fails does run.sh try the variants --network none, --runtime runc and both.
  rootless-podman  ready     `podman unshare` works, uid and gid maps hold >= 65537 ids, and the
                             default run works for an image owned by root and for an image with a
                             file owned by uid 60000;
                   degraded  something runs, with named limits: the default run fails but a
                             variant works (network none, runtime runc), or the map is a one-id or
                             small map, or the uid-60000 image fails;
                   blocked   `podman unshare` fails, or no run works, not even a variant.
  rootless-docker  ready     `dockerd-rootless.sh` starts the daemon (rootlesskit) and the default
                             `docker run --rm IMAGE /bin/true` works for both images;
                   degraded  the daemon starts but only `--network none` runs, or the uid-60000
                             image fails (a small id range);
                   blocked   the daemon does not start, or nothing runs.
  bubblewrap       ready     `bwrap --unshare-user --ro-bind / / true` exits 0; else blocked.
  proot            ready     `proot -r / true` exits 0; else blocked.
  chroot           ready     `chroot / /bin/true` exits 0 (root, or fake root in a user namespace);
                   degraded  it fails, but the user is in a sudo group and `sudo -n chroot / /bin/true`
                             works or only wants a password ("a password is required");
                   blocked   it fails, and sudo is not tried (no sudo group) or refuses.
  vm               ready     /dev/kvm opens read-write and ioctl(KVM_GET_API_VERSION) answers 12;
                   degraded  otherwise: qemu would emulate (installed or not; that is a package away).
  nix-sandbox      ready     the default `nix-build` (the user's nix.conf) works and its output
                             shows it ran in the sandbox (NIX_BUILD_TOP=/build);
                   degraded  it works unsandboxed (sandbox = false, or sandbox-fallback when the
                             sandbox cannot start), or fails while `--option sandbox false` works;
                   blocked   nothing builds. `--option sandbox true --option sandbox-fallback
                             false` tells which: it works when only the configuration disables
                             the sandbox, and fails with the kernel's reason otherwise. Where
                             there is no /nix, `nix-build` as it comes (nix-plain, no store named)
                             decides first: if it fails, nothing the user types builds -> blocked.
                             The other builds use a store under $HOME (NIX_STORE_DIR) to tell
                             the sandbox's own limits apart.

The causes: when a limit is found, the stderr of the run that failed for it (the default run, or
the variant that kept the other default) is matched against CAUSES, which names the finding ids
hostcap should decide on; the scenario table's `@causes` stands for those (one id per cause, all
required). Deciding-id expressions: words separated by spaces are alternatives, ids joined by `+`
are all required, `-` requires nothing, an id with `*` is a glob (`userns.*`). They are checked
only when the real target is not ready. The expressions for podman and bubblewrap are columns 3
and 4 of the table; rootless Docker takes podman's column (the same kit: newuidmap, subordinate
ids, the user namespace), where `@causes` stands for Docker's own causes (DOCKER_CAUSES, from the
daemon's or the client's stderr), unless the options name it (`rootless-docker=EXPR`); the other targets' come from DEFAULT_EXPECT unless the scenario's options
name them (`chroot=fallback.sudo`). hostcap's exit code is checked against its rootless-podman
verdict (its default --require) where rootless-podman is judged.

Also checked (a harness error, not a hostcap disagreement): `podman info` puts storage where the
scenario's HOME and XDG_RUNTIME_DIR say, so nothing escapes the scenario directory.

Support bundles (issue 8), in every scenario: the test user's `hostcap bundle` (run right after its
own `hostcap check --json`, in the same state) must write a bundle under 1 MiB, and root's
`hostcap check --json --from` of it (outside the scenario's mount namespace) must give the same
verdicts for all 8 targets, the same finding ids with the same statuses and the same exit code as
the user's live run. Where they differ, the differing findings are printed as JSON from the live
run, the replay and the bundle's own report.json (the check the bundle recorded), which tells a
recorder that lost something (the bundle's report agrees with the live run, its replay does not)
from a host that changed between the two runs.
"""
import fnmatch
import json
import os
import re
import sys
import tarfile

EXIT_OF = {"ready": 0, "degraded": 1, "blocked": 2, "unknown": 3}
FULL_MAP = 65537  # the user's own id + 65536 subordinate ids
BUNDLE_LIMIT = 1 << 20  # a support bundle must be small enough to mail
ALL_TARGETS = ["rootless-podman", "rootless-docker", "bubblewrap", "nix-sandbox", "guix-daemon",
               "chroot", "proot", "vm"]

# The targets in report order; those judged by default; the deciding ids expected of each target
# that has no column of its own, unless a scenario's options say otherwise.
TARGETS = ["rootless-podman", "rootless-docker", "bubblewrap", "nix-sandbox", "chroot", "proot", "vm"]
DEFAULT_TARGETS = ["rootless-podman", "rootless-docker", "bubblewrap", "proot", "chroot", "vm"]
DEFAULT_EXPECT = {
    "proot": "lsm.yama_ptrace_scope",
    "chroot": "identity.user",
    "vm": "fallback.kvm",
    "nix-sandbox": "nix.no_store nix.sandbox_disabled nix.sandbox_fallback userns.*",
}
NOT_JUDGED = {
    "guix-daemon": "no guix-daemon installed and no apt candidate for guix (Debian 12 has no guix package; "
                   "sid's guix 1.5.0-1 needs libc6 >= 2.38 and libstdc++6 >= 16, newer than bookworm's)",
}

TOOLS = [
    ("setup-pause", "setup: podman unshare, no subordinate ids"),
    ("unshare-r", "unshare --user --map-root-user true"),
    ("unshare-auto", "unshare --user --map-auto true"),
    ("bwrap", "bwrap --unshare-user --ro-bind / / true"),
    ("proot", "proot -r / true"),
    ("chroot", "chroot / /bin/true"),
    ("sudo-chroot", "sudo -n chroot / /bin/true"),
    ("kvm", "/dev/kvm: KVM_GET_API_VERSION"),
    ("nix-default", "nix-build (user's nix.conf)"),
    ("nix-sandbox", "  --option sandbox true, no fallback"),
    ("nix-nosandbox", "  --option sandbox false"),
    ("nix-plain", "nix-build as it comes (no store named)"),
    ("docker-daemon", "dockerd-rootless.sh (rootlesskit, dockerd)"),
    ("docker-import-root", "docker import (root-owned files)"),
    ("docker-run-root", "docker run --rm IMAGE /bin/true"),
    ("docker-run-root-nonet", "  variant --network none"),
    ("docker-import-high", "docker import (file of uid 60000)"),
    ("docker-run-high", "docker run --rm (uid-60000 image)"),
    ("podman-info", "podman info"),
    ("podman-unshare", "podman unshare cat uid_map/gid_map"),
    ("podman-import-root", "podman import (root-owned files)"),
    ("podman-run-root", "podman run --rm IMAGE /bin/true"),
    ("podman-run-root-nonet", "  variant --network none"),
    ("podman-run-root-runc", "  variant --runtime runc"),
    ("podman-run-root-runc-nonet", "  variant --runtime runc --network none"),
    ("podman-import-high", "podman import (file of uid 60000)"),
    ("podman-run-high", "podman run --rm (uid-60000 image)"),
    ("podman-run-high-variant", "  uid-60000 image, first working variant"),
    ("buildah-unshare", "buildah unshare cat uid_map/gid_map"),
    ("podman-migrate", "after hostcap: podman system migrate"),
    ("podman-unshare-migrated", "  then podman unshare cat uid_map/gid_map"),
]

# The variants run.sh tries when the default run fails: probe, limits it accepts, flags
VARIANTS = [
    ("podman-run-root-nonet", ("network",), "--network none"),
    ("podman-run-root-runc", ("runtime",), "--runtime runc"),
    ("podman-run-root-runc-nonet", ("network", "runtime"), "--runtime runc --network none"),
]
LIMIT_TEXT = {"network": "network none", "runtime": "runtime runc"}

# What made a run fail, from its stderr: (limit kind, pattern, ids hostcap may name, short text).
# The first pattern of the kind that matches wins; none matching -> every id of the kind.
CAUSES = [
    ("network", r'open\(\\?"/dev/net/tun\\?"\)', ["network.tun_unusable"],
     "slirp4netns cannot open /dev/net/tun"),
    ("network", r'(slirp4netns|pasta)[^\n]*(executable file not found|no such file|not found)',
     ["network.helper_missing"], "rootless network helper missing"),
    ("runtime", r"cgroups in hybrid mode not supported", ["runtime.crun_hybrid_cgroups"],
     "crun refuses the hybrid cgroup layout"),
    ("runtime", r'OCI runtime "?[\w./-]+"? not found|no valid executable found for OCI runtime|'
                r'default OCI runtime "[^"]*" not found', ["runtime.oci_runtime_missing"], "OCI runtime missing"),
]
CAUSE_KIND_IDS = {
    "network": ["network.tun_unusable", "network.helper_missing"],
    "runtime": ["runtime.crun_hybrid_cgroups", "runtime.oci_runtime_missing"],
}

# Why rootless Docker fails, from the stderr of the daemon (dockerd-rootless.sh, rootlesskit) or of
# the client: (pattern, ids hostcap may name, short text). Every match is a cause.
DOCKER_CAUSES = [
    (r"XDG_RUNTIME_DIR needs to be set and writable",
     ["session.runtime_dir_unset", "session.runtime_dir_missing", "session.runtime_dir_not_writable",
      "session.runtime_dir_wrong_owner"], "dockerd-rootless.sh: XDG_RUNTIME_DIR not set or not writable"),
    (r"must be executed as a non-privileged user", ["session.fake_root"], "dockerd-rootless.sh run as uid 0"),
    (r"Either slirp4netns \(>= v0.4.0\) or vpnkit needs to be installed", ["network.rootlesskit_driver_missing"],
     "no network driver for rootlesskit"),
    (r"setting up tap tap0", ["network.tun_unusable"], "rootlesskit cannot create its tap device (/dev/net/tun)"),
    (r"newuidmap|newgidmap|uid_map|gid_map|subuid|subgid", ["idmap.*", "subid.*", "userns.*", "identity.*"],
     "rootlesskit cannot map the user's ids"),
    (r"failed to start the child: fork/exec /proc/self/exe: (operation not permitted|no space left on device)",
     ["userns.*", "identity.*", "lsm.*"], "rootlesskit cannot create its user namespace"),
]

INTERESTING = re.compile(
    r"error|failed|denied|not permitted|no space|insufficient|should have|not found|"
    r"cannot|could not|invalid|not supported|single mapping|warn",
    re.I,
)
# the phrase that names the cause inside podman's long one-line errors
SIGNATURE = re.compile(
    r"potentially insufficient UIDs or GIDs[^:]*|newuidmap: [^\\\"]*|newgidmap: [^\\\"]*|"
    r"should have setuid or have filecaps[^:\\\"]*|open\(\\\"/dev/net/tun\\\"\): [A-Za-z ]+|"
    r"cgroups in hybrid mode not supported"
)
NOISE = re.compile(r'"/" is not a shared mount|\(Unable to determine exit status\)|parsing PID ""|'
                   r'^\+ |Setting child propagation to "rslave" is not supported')
LOGRUS = re.compile(r'^time="[^"]*" level=(\w+) msg="(.*)"$')
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # Nix colours its errors even into a file


def read(path, limit=200_000):
    try:
        with open(path, errors="replace") as f:
            return f.read(limit)
    except OSError:
        return None


def clean_line(line):
    line = ANSI.sub("", line)
    m = LOGRUS.match(line.strip())
    if m:
        return f"{m.group(1)[:4].upper()}: {m.group(2)}".replace('\\"', '"')
    return line.strip()


def key_line(err, width=100, ok=False):
    lines = [clean_line(l) for l in (err or "").splitlines() if l.strip()]
    if not lines:
        return ""
    # podman warns about a non-shared "/" on every call: least interesting
    pool = [l for l in lines if not NOISE.search(l)] or lines
    if ok:  # a tool that worked: only a warning or error is worth a column, not progress output
        pool = [l for l in pool if INTERESTING.search(l) and not NOISE.search(l)]
        if not pool:
            return ""
    # the last "Error:" line is podman's own verdict; else the first interesting line
    errs = [l for l in pool if l.startswith(("Error", "ERRO", "error:", "[rootlesskit:parent] error"))]
    pick = errs[-1] if errs else next((l for l in pool if INTERESTING.search(l)), pool[-1])
    if len(pick) <= width:
        return pick
    m = SIGNATURE.search(pick)
    if m:
        head = pick[: max(0, width - len(m.group(0)) - 3)].rstrip()
        return (head + " … " + m.group(0))[: width + 40]
    return pick[: width - 1] + "…"


def decisive_line(err):
    """podman's last "Error:" line with its quoting undone, cut at the first embedded newline
    (slirp4netns' and crun's own stderr are quoted into it)."""
    lines = [clean_line(l) for l in (err or "").splitlines() if l.strip()]
    errs = [l for l in lines if l.startswith(("Error", "ERRO"))]
    line = errs[-1] if errs else key_line(err, 200)
    return line.replace('\\"', '"').split("\\n")[0].strip()


class Probe:
    def __init__(self, d, name):
        self.name = name
        rc = read(os.path.join(d, name + ".rc"))
        self.ran = rc is not None
        self.rc = int(rc.strip()) if rc and rc.strip().lstrip("-").isdigit() else None
        self.out = read(os.path.join(d, name + ".out")) or ""
        self.err = read(os.path.join(d, name + ".err")) or ""
        self.cmd = (read(os.path.join(d, name + ".cmd")) or "").strip()

    @property
    def ok(self):
        return self.ran and self.rc == 0

    def status(self):
        if not self.ran:
            return "-"
        if self.rc == 124:
            return "timeout"
        return f"exit {self.rc}"


def map_sizes(out):
    """sizes of uid_map and gid_map from `cat uid_map; echo --; cat gid_map`."""
    parts = out.split("--")
    sizes = []
    for part in parts[:2]:
        total = 0
        for line in part.splitlines():
            f = line.split()
            if len(f) == 3 and f[2].isdigit():
                total += int(f[2])
        sizes.append(total)
    while len(sizes) < 2:
        sizes.append(0)
    return sizes


def classify(kind, err):
    """(short text, ids hostcap may name) for a run that failed because of a `kind` limit."""
    for k, pattern, ids, text in CAUSES:
        if k == kind and re.search(pattern, err or ""):
            return text, ids
    return f"unrecognised {kind} failure", CAUSE_KIND_IDS[kind]


class RealPodman:
    """The real rootless-podman verdict: verdict, why, limits, causes [(text, ids, stderr line)]."""

    def __init__(self, p):
        self.limits, self.causes = [], []
        self.verdict, self.why = self._judge(p)

    def _cause(self, kind, probe):
        text, ids = classify(kind, probe.err)
        self.causes.append((text, ids, decisive_line(probe.err)))

    def _judge(self, p):
        u = p["podman-unshare"]
        if not u.ok:
            return "blocked", f"podman unshare {u.status()}: {key_line(u.err)}"
        us, gs = map_sizes(u.out)
        size = min(us, gs)
        imp_root, run_root = p["podman-import-root"], p["podman-run-root"]
        imp_high, run_high, high_var = p["podman-import-high"], p["podman-run-high"], p["podman-run-high-variant"]
        if not imp_root.ok:
            return "blocked", f"podman import {imp_root.status()}: {key_line(imp_root.err, 70)}"
        runs = run_root.ok
        if not runs:
            ok = {probe: p[probe].ok for probe, _, _ in VARIANTS}
            if ok["podman-run-root-nonet"]:  # only the network keeps the default from working
                self.limits.append("network")
                self._cause("network", run_root)
            elif ok["podman-run-root-runc"]:  # only the runtime
                self.limits.append("runtime")
                self._cause("runtime", run_root)
            elif ok["podman-run-root-runc-nonet"]:  # both: each variant shows the other cause
                self.limits += ["network", "runtime"]
                self._cause("network", p["podman-run-root-runc"])
                self._cause("runtime", p["podman-run-root-nonet"])
            runs = bool(self.limits)
        high = (imp_high.ok and run_high.ok) or (imp_high.ok and high_var.ok)
        parts = []
        if run_root.ok:
            parts.append("default run works")
        elif runs:
            parts.append("default run fails; works with " + ", ".join(LIMIT_TEXT[l] for l in self.limits))
        else:
            last = p["podman-run-root-runc-nonet"]  # the variant with every limit accepted
            bad = last if last.ran else run_root
            parts.append(f"nothing runs, not even with --runtime runc --network none: {key_line(bad.err, 70)}")
        parts.append(f"map {us}/{gs} ids")
        if not high:
            bad = imp_high if not imp_high.ok else (high_var if high_var.ran else run_high)
            parts.append(f"uid-60000 image fails: {key_line(bad.err, 60)}")
        why = "; ".join(parts)
        if not runs and not high:
            return "blocked", why
        if run_root.ok and run_high.ok and imp_high.ok and size >= FULL_MAP:
            return "ready", why
        return "degraded", why


def docker_causes(*probes):
    """[(text, ids, stderr line)] for the first probe whose stderr names a known cause."""
    for probe in probes:
        found = [(text, ids, decisive_docker_line(probe.err, pattern))
                 for pattern, ids, text in DOCKER_CAUSES if re.search(pattern, probe.err or "")]
        if found:
            return found
    return []


def decisive_docker_line(err, pattern):
    for line in (err or "").splitlines():
        if re.search(pattern, line):
            return clean_line(line)
    return key_line(err, 200)


class RealDocker:
    """The real rootless-docker verdict: the daemon as dockerd-rootless.sh starts it, then
    `docker run --rm` of both images; causes from the daemon's or the client's stderr."""

    def __init__(self, p):
        self.causes = []
        self.verdict, self.why = self._judge(p)

    def _judge(self, p):
        d = p["docker-daemon"]
        imp_root, run_root, nonet = p["docker-import-root"], p["docker-run-root"], p["docker-run-root-nonet"]
        imp_high, run_high = p["docker-import-high"], p["docker-run-high"]
        if not imp_root.ran:  # the daemon never listened
            self.causes = docker_causes(d)
            line = self.causes[0][2] if self.causes else key_line(d.err, 70)
            return "blocked", f"dockerd-rootless.sh {d.status()} without listening: {shorten(line, 70)}"
        if not imp_root.ok:
            self.causes = docker_causes(imp_root, d)
            return "blocked", f"docker import {imp_root.status()}: {key_line(imp_root.err, 70)}"
        high = imp_high.ok and run_high.ok
        high_text = "" if high else f"; uid-60000 image fails: {key_line((run_high if imp_high.ok else imp_high).err, 60)}"
        if run_root.ok:
            if high:
                return "ready", "daemon up; default run works for both images"
            self.causes = docker_causes(run_high if imp_high.ok else imp_high)
            return "degraded", "daemon up; default run works" + high_text
        self.causes = docker_causes(run_root, d)
        if nonet.ok:
            return "degraded", f"default run {run_root.status()}: {key_line(run_root.err, 50)}; --network none works" + high_text
        return "blocked", f"nothing runs: {key_line(run_root.err, 70)}"


def real_bwrap(p):
    b = p["bwrap"]
    if b.ok:
        return "ready", "bwrap exit 0"
    return "blocked", f"bwrap {b.status()}: {key_line(b.err, 80)}"


def real_proot(p):
    b = p["proot"]
    if b.ok:
        return "ready", "proot exit 0"
    return "blocked", f"proot {b.status()}: {key_line(b.err, 80)}"


def real_chroot(p):
    c, s = p["chroot"], p["sudo-chroot"]
    if c.ok:
        return "ready", "chroot exit 0"
    why = f"chroot {c.status()}: {key_line(c.err, 70)}"
    if not s.ran:
        return "blocked", why
    if s.ok:
        return "degraded", why + "; sudo -n chroot works (passwordless sudo)"
    if re.search(r"password is required", s.err):
        return "degraded", why + "; sudo -n: a password is required (needs sudo with a password)"
    return "blocked", why + f"; sudo -n {s.status()}: {key_line(s.err, 60)}"


def real_vm(p):
    k = p["kvm"]
    if k.ok and re.search(r"KVM_GET_API_VERSION\) = 12\b", k.out):
        return "ready", "/dev/kvm: KVM_GET_API_VERSION = 12"
    return "degraded", f"no KVM ({key_line(k.err, 70) or k.status()}): qemu would emulate"


def nix_built(pd, probe):
    """What the test derivation wrote: (ran sandboxed, NIX_BUILD_TOP) or None when nothing built."""
    text = read(os.path.join(pd, probe + ".built"))
    if text is None:
        return None
    m = re.search(r"^NIX_BUILD_TOP=(.*)$", text, re.M)
    top = m.group(1) if m else "?"
    return top == "/build", top


def real_nix(p, pd):
    d, sb, nosb = p["nix-default"], p["nix-sandbox"], p["nix-nosandbox"]
    if not d.ran:
        return None
    built = nix_built(pd, "nix-default")
    forced = (f"the sandbox works when forced" if sb.ok else
              f"forced sandbox {sb.status()}: {key_line(sb.err, 60)}")
    plain = p["nix-plain"]
    if plain.ran and not plain.ok:  # the command as the user types it: nothing else matters
        return "blocked", f"plain nix-build {plain.status()}: {key_line(plain.err, 60)}; {forced}"
    if d.ok and built and built[0]:
        return "ready", "default build ran sandboxed (NIX_BUILD_TOP=/build)"
    if d.ok and built:
        return "degraded", f"default build ran unsandboxed (NIX_BUILD_TOP={built[1]}); {forced}"
    if d.ok:
        return "unknown", "default build exit 0 but its output was not found"
    if nosb.ok:
        return "degraded", f"default build {d.status()}: {key_line(d.err, 50)}; --option sandbox false works"
    return "blocked", f"nothing builds: {key_line(d.err, 60)}; sandbox false: {key_line(nosb.err, 40)}"


def hostcap_result(h):
    """(verdicts by target, error text or None)"""
    if not h.ran:
        return {}, "hostcap did not run"
    try:
        data = json.loads(h.out)
    except ValueError:
        return {}, f"no JSON on stdout (exit {h.rc}): {key_line(h.err, 80) or 'empty output'}"
    if not isinstance(data, dict) or data.get("schema") != "hostcap/report/v2":
        return {}, f"unexpected JSON (schema {data.get('schema') if isinstance(data, dict) else '?'!r})"
    verdicts = {}
    for v in data.get("verdicts") or []:
        if isinstance(v, dict) and "target" in v:
            verdicts[v["target"]] = v
    return verdicts, None


# Findings that follow XDG_RUNTIME_DIR, which the harness sets for the user but a fresh login
# (what `hostcap check --user` assumes) has only where /run/user/UID exists.
AS_ROOT_SESSION_IDS = ("session.runtime_dir_", "podman.stale_pause_process")


def findings_by_id(h):
    """{finding id: status} of a hostcap JSON run, {} when it is not one."""
    try:
        data = json.loads(h.out)
    except ValueError:
        return {}
    return {f.get("id"): f.get("status") for f in data.get("findings") or [] if isinstance(f, dict)}


def report_json(h):
    try:
        data = json.loads(h.out)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def bundle_report(path):
    """The report.json the bundle carries (the check it recorded), None when unreadable."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            member = tar.extractfile("report.json")
            return json.loads(member.read()) if member else None
    except (OSError, KeyError, ValueError, tarfile.TarError):
        return None


def finding_objects(data):
    return {f.get("id"): f for f in (data or {}).get("findings") or [] if isinstance(f, dict)}


def compare_replay(pd, h):
    """The bundle and its replay against the user's live run: (row for the table, problems,
    [(finding id, live, replay, bundle's report)] for the findings that differ)."""
    b, r = Probe(pd, "hostcap-bundle"), Probe(pd, "hostcap-replay")
    path = os.path.join(pd, "bundle.tar.gz")
    size = os.path.getsize(path) if os.path.isfile(path) else None
    problems, diffs = [], []
    if not b.ran:
        return None, [], []
    size_text = f"{size / 1024:.0f} KiB" if size is not None else "-"
    if size is None:
        problems.append(f"hostcap bundle {b.status()} wrote no bundle: {key_line(b.err, 100) or 'no stderr'}")
        return [size_text, "-", "-", "-", "NO"], problems, diffs
    if b.rc != 0:
        problems.append(f"hostcap bundle {b.status()}: {key_line(b.err, 100)}")
    if size >= BUNDLE_LIMIT:
        problems.append(f"bundle is {size} bytes, not under 1 MiB")
    live, replay = report_json(h), report_json(r)
    if replay is None:
        problems.append(f"replay {r.status()}: no JSON: {key_line(r.err, 100) or 'empty output'}")
        return [size_text, "-", "-", r.status(), "NO"], problems, diffs
    if live is None:
        problems.append("the user's own hostcap run gave no JSON to compare with")
        return [size_text, "-", "-", r.status(), "NO"], problems, diffs
    recorded = bundle_report(path)
    if replay.get("host", {}).get("source") != "recorded":
        problems.append(f"replay's host.source is {replay.get('host', {}).get('source')!r}, not 'recorded'")
    lv = {v.get("target"): v.get("verdict") for v in live.get("verdicts") or []}
    rv = {v.get("target"): v.get("verdict") for v in replay.get("verdicts") or []}
    same_v = 0
    for t in ALL_TARGETS:
        if lv.get(t) is not None and lv.get(t) == rv.get(t):
            same_v += 1
        else:
            problems.append(f"replay: {t} live {lv.get(t)}, replayed {rv.get(t)}")
    lf, rf = finding_objects(live), finding_objects(replay)
    bf = finding_objects(recorded)
    ids = sorted(set(lf) | set(rf), key=str)
    same_f = 0
    for fid in ids:
        ls, rs = (lf.get(fid) or {}).get("status"), (rf.get(fid) or {}).get("status")
        if ls == rs and fid in lf and fid in rf:
            same_f += 1
            continue
        bs = (bf.get(fid) or {}).get("status") if recorded else "?"
        problems.append(f"replay: finding {fid} live {ls}, replayed {rs} (bundle's own report: {bs})")
        diffs.append((fid, lf.get(fid), rf.get(fid), bf.get(fid) if recorded else None))
    if r.rc != h.rc:
        problems.append(f"replay exit {r.rc}, the user's live run exit {h.rc}")
    row = [size_text, f"{same_v}/{len(ALL_TARGETS)}", f"{same_f}/{len(ids)}", f"exit {r.rc} (live {h.rc})",
           "yes" if not problems else "NO"]
    return row, problems, diffs


def parse_expected(text, causes):
    """The id expression of the scenario table, expanded: alternatives, each a list of groups
    (each group: ids of which one must be deciding). `@causes` adds one group per real cause."""
    alts = []
    if text.strip() in ("", "-"):
        return alts
    for word in text.split():
        groups = []
        for atom in word.split("+"):
            if atom == "-":
                continue
            if atom == "@causes":
                groups += [list(ids) for _, ids, _ in causes]
            elif atom:
                groups.append([atom])
        alts.append(groups)
    return alts


def show_expected(alts):
    if not alts:
        return "-"
    words = []
    for groups in alts:
        if not groups:
            words.append("(no cause seen)")
            continue
        words.append("+".join(g[0] if len(g) == 1 else "(" + "|".join(g) + ")" for g in groups))
    return " ".join(words)


def satisfied(alts, deciding):
    if not alts:
        return True

    def hit(group):  # one of the group's ids (or globs) is deciding
        return any(fnmatch.fnmatchcase(d, pat) for pat in group for d in deciding)

    return any(all(hit(g) for g in groups) for groups in alts)


def scenario_options(fields):
    """The fifth field of a scenario line: {key: value}, `;`-separated key=value pairs."""
    opts = {}
    for item in "|".join(fields[4:]).split(";"):
        k, sep, v = item.strip().partition("=")
        if sep:
            opts[k.strip()] = v.strip()
    return opts


def scenario_targets(opts):
    t = opts.get("targets", "")
    if not t:
        names = list(DEFAULT_TARGETS)
    elif t.startswith("+"):
        names = DEFAULT_TARGETS + t[1:].split(",")
    else:
        names = t.split(",")
    names = [n.strip() for n in names if n.strip()]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        raise SystemExit(f"report.py: unknown target(s) in the scenario table: {', '.join(unknown)}")
    return [t for t in TARGETS if t in names]


def judge(target, real, hv, alts, hc_rc, is_exit_target):
    """(agree: bool, reason)"""
    if hv is None:
        return False, "no verdict for this target"
    verdict = hv.get("verdict")
    deciding = [d for d in hv.get("deciding") or [] if isinstance(d, str)]
    problems = []
    if verdict != real:
        problems.append(f"verdict {verdict} != real {real}")
    if real != "ready" and not satisfied(alts, deciding):
        problems.append(f"deciding [{', '.join(deciding) or '-'}] does not satisfy {show_expected(alts)}")
    if is_exit_target and verdict in EXIT_OF and hc_rc != EXIT_OF[verdict]:
        problems.append(f"exit {hc_rc} does not match verdict {verdict}")
    if problems:
        return False, "; ".join(problems)
    return True, ""


def read_env(d):
    env = {}
    for line in (read(os.path.join(d, "env")) or "").splitlines():
        k, _, v = line.partition("=")
        env[k] = v
    return env


def podman_info(pr, env):
    """(summary for the tool table, harness problem or None) from `podman info --format json`."""
    try:
        data = json.loads(pr.out)
        host, store = data["host"], data["store"]
    except (ValueError, KeyError, TypeError):
        return key_line(pr.err, ok=pr.ok) or "no JSON", None
    rt = host.get("ociRuntime") or {}
    ver = (rt.get("version") or "").split("\n")[0].split()[-1:] or ["?"]
    net = host.get("rootlessNetworkCmd") or ("slirp4netns" if host.get("slirp4netns") else "?")
    summary = (f"{rt.get('name')} {ver[0]} · cgroups {host.get('cgroupVersion')} {host.get('cgroupManager')} · "
               f"{host.get('networkBackend')}/{net} · {store.get('graphDriverName')} · events {host.get('eventLogger')} · "
               f"runRoot {store.get('runRoot')}")
    problem = None
    home, xdg, own_run = env.get("HOME"), env.get("XDG_RUNTIME_DIR"), env.get("SCENARIO_RUN")
    graph, run = store.get("graphRoot") or "", store.get("runRoot") or ""
    if home and (host.get("security") or {}).get("rootless"):
        if not graph.startswith(home + "/.local/share/containers/"):
            problem = f"podman's graphRoot {graph} is not under $HOME/.local/share/containers"
        elif xdg and xdg == own_run and not run.startswith(xdg + "/"):
            problem = f"podman's runRoot {run} is not under XDG_RUNTIME_DIR={xdg}"
        elif not (run.startswith((own_run or "?") + "/") or run.startswith("/tmp/")):
            # without a usable XDG_RUNTIME_DIR podman falls back to /tmp (private in the scenario)
            problem = f"podman's runRoot {run} is outside the scenario and its private /tmp"
    return summary, problem


def shorten(s, width):
    return s if len(s) <= width else s[: width - 1] + "…"


def table(rows, headers):
    widths = [len(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    fmt = "  ".join("{:<%d}" % w for w in widths)
    out = [fmt.format(*headers).rstrip(), fmt.format(*["-" * w for w in widths]).rstrip()]
    out += [fmt.format(*r).rstrip() for r in rows]
    return "\n".join(out)


def main():
    work = sys.argv[1]
    scenarios = []
    for line in open(os.path.join(work, "scenarios.tsv")):
        f = line.rstrip("\n").split("|")
        if len(f) < 4:
            continue
        opts = scenario_options(f)
        expected = dict(DEFAULT_EXPECT, **{"rootless-podman": f[2], "rootless-docker": f[2], "bubblewrap": f[3]})
        expected.update({t: opts[t] for t in TARGETS if t in opts})
        scenarios.append((f[0], f[1], expected, scenario_targets(opts)))

    tool_rows, verdict_rows, details, cause_rows, as_root_rows = [], [], [], [], []
    docker_cause_rows = []
    replay_rows, replay_diffs = [], []
    passed = failed = skipped = 0
    failures = []
    problems = []
    skips = []
    for idx, (name, desc, expected, targets) in enumerate(scenarios, 1):
        d = os.path.join(work, "s", str(idx))
        skip = read(os.path.join(d, "skip"))
        error = read(os.path.join(d, "error"))
        if skip is not None:
            skipped += 1
            verdict_rows.append([name, "*", "SKIP", shorten(skip.strip(), 90), "", "", "", "skipped"])
            skips.append(f"{name}: {skip.strip()}")
            continue
        env = read_env(d)
        pd = os.path.join(d, "probes")
        p = {t: Probe(pd, t) for t, _ in TOOLS}
        p["hostcap"] = Probe(pd, "hostcap")
        if error is not None and not p["hostcap"].ran:
            failed += 1
            failures.append(name)
            verdict_rows.append([name, "*", "ERROR", shorten(error.strip(), 100), "", "", "", "NO"])
            problems.append(f"{name}: {error.strip()}")
            continue

        harness = []
        first = True
        for t, label in TOOLS:
            pr = p[t]
            if not pr.ran:
                continue
            key = key_line(pr.err, ok=pr.ok)
            if t == "docker-daemon" and not pr.ok and not pr.err.count("[rootlesskit"):
                key = key_line(pr.out) or key  # dockerd-rootless.sh's own checks echo to stdout
            if t in ("podman-unshare", "buildah-unshare", "setup-pause", "podman-unshare-migrated") and pr.ok:
                us, gs = map_sizes(pr.out)
                key = f"uid_map {us} ids, gid_map {gs} ids" + (f" | {key}" if key else "")
            if t == "podman-info" and pr.ok:
                key, problem = podman_info(pr, env)
                if problem:
                    harness.append(problem)
            if t.startswith("nix-") and pr.ok:
                built = nix_built(pd, t)
                key = (f"NIX_BUILD_TOP={built[1]} ({'sandboxed' if built[0] else 'unsandboxed'})"
                       if built else "output not found")
            if t == "kvm" and pr.ok:
                key = pr.out.strip().splitlines()[-1] if pr.out.strip() else key
            tool_rows.append([name if first else "", label, pr.status(), key])
            first = False
            if pr.err.strip():
                details.append((name, label, pr.status(), pr.cmd, pr.err))

        h = p["hostcap"]
        hverdicts, herr = hostcap_result(h)
        rp = RealPodman(p)
        for text, ids, line in rp.causes:
            cause_rows.append([name, text, "|".join(ids), shorten(line, 110)])
        rd = RealDocker(p) if p["docker-daemon"].ran else None
        for text, ids, line in (rd.causes if rd else []):
            docker_cause_rows.append([name, text, "|".join(ids), shorten(line, 110)])
        reals = {
            "rootless-podman": (rp.verdict, rp.why),
            "rootless-docker": (rd.verdict, rd.why) if rd else None,
            "bubblewrap": real_bwrap(p),
            "proot": real_proot(p),
            "chroot": real_chroot(p),
            "vm": real_vm(p),
            "nix-sandbox": real_nix(p, pd),
        }
        probe_skips = {"nix-sandbox": read(os.path.join(pd, "nix.skip")),
                       "rootless-docker": read(os.path.join(pd, "docker.skip"))}
        scenario_ok = not harness
        for hp in harness:
            problems.append(f"{name}: harness: {hp}")
        first = True
        as_root = env.get("AS") == "root"
        for target in targets:
            if reals[target] is None:  # its probes did not run (nix-build not installed)
                why = (probe_skips.get(target) or "its probes did not run").strip()
                verdict_rows.append([name if first else "", target, "-", shorten(why, 90), "", "", "", "skipped"])
                first = False
                continue
            real, why = reals[target]
            causes = {"rootless-podman": rp.causes, "rootless-docker": rd.causes if rd else []}
            alts = parse_expected(expected[target], causes.get(target, []))
            if herr:
                hc_text, dec_text, ok, reason = "-", "-", False, herr
            else:
                hv = hverdicts.get(target)
                if hv is None:
                    hc_text, dec_text = "-", "-"
                else:
                    hc_text = str(hv.get("verdict"))
                    if target == "rootless-podman":
                        hc_text += f" (exit {h.rc})"
                    dec_text = ",".join(hv.get("deciding") or []) or "-"
                ok, reason = judge(target, real, hv, alts, h.rc, target == "rootless-podman" and not as_root)
            scenario_ok &= ok
            exp = show_expected(alts) if real != "ready" else "-"
            verdict_rows.append([
                name if first else "", target, real, shorten(why, 90), hc_text, shorten(dec_text, 70),
                shorten(exp, 70), "yes" if ok else "NO",
            ])
            if not ok:
                problems.append(f"{name} / {target}: {reason}")
            first = False
        # issue 8: root's `hostcap check --user TUSER` against the user's own run (baseline)
        hr = Probe(pd, "hostcap-as-root")
        if hr.ran:
            rverdicts, rerr = hostcap_result(hr)
            if rerr or herr:
                scenario_ok = False
                problems.append(f"{name}: --user as root: {rerr or herr}")
            for target in list(hverdicts) + [t for t in rverdicts if t not in hverdicts]:
                mine = (hverdicts.get(target) or {}).get("verdict")
                theirs = (rverdicts.get(target) or {}).get("verdict")
                same = mine == theirs and mine is not None
                as_root_rows.append([name, target, str(mine), str(theirs), "yes" if same else "NO"])
                if not same:
                    scenario_ok = False
                    problems.append(f"{name} / {target}: as the user {mine}, as root with --user {theirs}")
            if hr.rc != h.rc:
                scenario_ok = False
                problems.append(f"{name}: exit {h.rc} as the user, {hr.rc} as root with --user")
            # every finding's status must agree too, except where the harness's session differs
            # from a login's: the user's run has XDG_RUNTIME_DIR in the scenario directory (with
            # podman's pause process in it); --user assumes /run/user/UID, absent here
            mine_f, theirs_f = findings_by_id(h), findings_by_id(hr)
            for fid in sorted(set(mine_f) | set(theirs_f)):
                if fid.startswith(AS_ROOT_SESSION_IDS) or mine_f.get(fid) == theirs_f.get(fid):
                    continue
                scenario_ok = False
                problems.append(f"{name}: finding {fid}: as the user {mine_f.get(fid)}, "
                                f"as root with --user {theirs_f.get(fid)}")
        # issue 8: the user's bundle, replayed by root, against the user's own live run
        row, replay_problems, diffs = compare_replay(pd, h)
        if row is None:
            scenario_ok = False
            problems.append(f"{name}: hostcap bundle did not run")
            replay_rows.append([name, "-", "-", "-", "-", "NO"])
        else:
            replay_rows.append([name] + row)
        for rp_text in replay_problems:
            scenario_ok = False
            problems.append(f"{name}: {rp_text}")
        for fid, live_f, replay_f, bundle_f in diffs:
            replay_diffs.append((name, fid, live_f, replay_f, bundle_f))
        if scenario_ok:
            passed += 1
        else:
            failed += 1
            failures.append(name)

    print()
    print("== Real tools, as the unprivileged test user ==")
    print(table(tool_rows, ["SCENARIO", "TOOL", "STATUS", "KEY STDERR LINE"]))
    print()
    print("== Why podman's default run fails (the run that failed for each limit; @causes) ==")
    if cause_rows:
        print(table(cause_rows, ["SCENARIO", "CAUSE", "IDS", "STDERR"]))
    else:
        print("  (the default run works in every scenario, or nothing runs at all)")
    print()
    print("== Why rootless Docker fails (the daemon's or the client's stderr; @causes) ==")
    if docker_cause_rows:
        print(table(docker_cause_rows, ["SCENARIO", "CAUSE", "IDS", "STDERR"]))
    else:
        print("  (the daemon starts and the default run works in every scenario, or no cause was recognised)")
    print()
    print("== Verdicts: real tools vs hostcap check --json ==")
    print(table(verdict_rows, ["SCENARIO", "TARGET", "REAL", "WHY (real tools)", "HOSTCAP", "DECIDING",
                               "EXPECTED DECIDING (' ' any, '+' all)", "AGREE"]))
    if as_root_rows:
        print()
        print("== As root: hostcap check --user TEST_USER vs the test user's own hostcap check ==")
        print(table(as_root_rows, ["SCENARIO", "TARGET", "AS THE USER", "AS ROOT --user", "SAME"]))
    print()
    print("== Support bundles: the user's hostcap bundle, replayed by root with check --from ==")
    if replay_rows:
        print(table(replay_rows, ["SCENARIO", "BUNDLE", "VERDICTS SAME", "FINDINGS SAME", "REPLAY",
                                  "AGREE"]))
    else:
        print("  (no scenario ran)")
    if replay_diffs:
        print()
        print("== Findings the replay does not reproduce (live run / replay / the bundle's report.json) ==")
        for name, fid, live_f, replay_f, bundle_f in replay_diffs:
            print(f"-- {name} / {fid}")
            for label, f in (("live", live_f), ("replay", replay_f), ("bundle report.json", bundle_f)):
                text = json.dumps(f, indent=1, ensure_ascii=False) if f is not None else "(absent)"
                print(f"   {label}:")
                for l in text.splitlines():
                    print(f"     {l}")
    print()
    print("== Not judged ==")
    for target, why in NOT_JUDGED.items():
        print(f"  {target}: {why}")
    # The real daemon is never set aside where it is within reach: judging it is then owed.
    available = (read(os.path.join(work, "guix-available")) or "").strip()
    if available:
        problems.append(f"guix-daemon is within reach ({available}) but the harness does not judge it")
        failures.append("guix-daemon")
        failed += 1
    if skips:
        print()
        print("== Skipped (root could not induce the fault here) ==")
        for sk in skips:
            print("  " + sk)
    if problems:
        print()
        print("== Disagreements ==")
        for pr in problems:
            print("  " + pr)
    print()
    print("== Real tools' stderr (verbatim, up to 8 lines each) ==")
    for name, label, status, cmd, err in details:
        lines = err.rstrip("\n").splitlines()
        if label.startswith("dockerd-rootless.sh"):
            # the script runs under `set -x` and dockerd logs its progress: keep what went wrong
            lines = [l for l in lines if not l.startswith("+ ") and "level=info" not in l
                     and "level=debug" not in l]
        print(f"-- {name} / {label.strip()}: {status}")
        print(f"   $ {cmd}")
        for l in lines[:8]:
            print(f"   | {ANSI.sub('', l)}")
        if len(lines) > 8:
            print(f"   | … {len(lines) - 8} more lines")
    print()
    if failures:
        print("disagreements: " + ", ".join(failures))
    print(f"live: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
