#!/usr/bin/env python3
"""Write what one kept run of tests/live/run.sh saw as markdown, for recorded-host fixtures.

    sudo bash tests/live/run.sh --keep ...      # prints "kept /tmp/hcl.XXXXXX"
    python3 tests/live/facts.py /tmp/hcl.XXXXXX > live-facts.md
    python3 tests/live/facts.py --targets /tmp/hcl.XXXXXX > live-facts-targets.md

Per scenario: the environment of the test user, every command with its exit code and its stderr
verbatim (podman's, with slirp4netns' and crun's messages quoted inside), hostcap's verdict for
every target; for scenarios where podman ran, what `podman info --format json` reports; and the
files as the test user saw them (cgroup lines of /proc/self/mountinfo, /proc/self/cgroup, the
runtime directory after podman ran, the pause process and its id maps). For nix-build, what the
test derivation wrote ($out: NIX_BUILD_TOP and the builder's uid_map, /build and a one-id map
inside the sandbox). The host section has the install record (what run.sh installed, how long it
took, apt's download and disk sizes), /dev/kvm with KVM_GET_API_VERSION and KVM_CREATE_VM as root,
and the versions of nix, sudo and busybox. `--targets` keeps only the probes of proot, chroot, vm
and nix-sandbox (no podman, no cgroup files). Nothing here judges: report.py does.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import ANSI, TOOLS, Probe, map_sizes, read, read_env  # noqa: E402

INFO_FIELDS = [
    ("host.ociRuntime.name", ("host", "ociRuntime", "name")),
    ("host.ociRuntime.version", ("host", "ociRuntime", "version")),
    ("host.ociRuntime.path", ("host", "ociRuntime", "path")),
    ("host.cgroupVersion", ("host", "cgroupVersion")),
    ("host.cgroupManager", ("host", "cgroupManager")),
    ("host.cgroupControllers", ("host", "cgroupControllers")),
    ("host.networkBackend", ("host", "networkBackend")),
    ("host.rootlessNetworkCmd", ("host", "rootlessNetworkCmd")),
    ("host.slirp4netns.executable", ("host", "slirp4netns", "executable")),
    ("host.slirp4netns.version", ("host", "slirp4netns", "version")),
    ("host.pasta", ("host", "pasta")),
    ("host.eventLogger", ("host", "eventLogger")),
    ("host.logDriver", ("host", "logDriver")),
    ("host.remoteSocket.path", ("host", "remoteSocket", "path")),
    ("host.security.rootless", ("host", "security", "rootless")),
    ("host.idMappings.uidmap", ("host", "idMappings", "uidmap")),
    ("host.idMappings.gidmap", ("host", "idMappings", "gidmap")),
    ("host.conmon.version", ("host", "conmon", "version")),
    ("host.kernel", ("host", "kernel")),
    ("store.graphDriverName", ("store", "graphDriverName")),
    ("store.graphRoot", ("store", "graphRoot")),
    ("store.runRoot", ("store", "runRoot")),
    ("store.graphOptions", ("store", "graphOptions")),
    ("store.imageCopyTmpDir", ("store", "imageCopyTmpDir")),
    ("store.configFile", ("store", "configFile")),
    ("store.volumePath", ("store", "volumePath")),
]


def dig(data, path):
    for k in path:
        if not isinstance(data, dict) or k not in data:
            return "(absent)"
        data = data[k]
    return data


def fence(text, lang=""):
    text = text if text.endswith("\n") or not text else text + "\n"
    return f"```{lang}\n{text or '(empty)' + chr(10)}```\n"


OTHER_TARGETS = ("nix-sandbox", "guix-daemon", "chroot", "proot", "vm")
TARGET_PROBES = ["id", "proot", "chroot", "sudo-chroot", "kvm", "nix-default", "nix-sandbox", "nix-nosandbox", "nix-plain"]


def main():
    args = sys.argv[1:]
    targets_only = "--targets" in args
    args = [a for a in args if a != "--targets"]
    if len(args) != 1:
        raise SystemExit(__doc__)
    work = args[0]
    out = []
    w = out.append
    w("# Live facts: what the real proot, chroot, sudo, /dev/kvm and nix-build did, per scenario of "
      "tests/live/run.sh\n" if targets_only else
      "# Live facts: what real podman did, per scenario of tests/live/run.sh\n")
    w("Recorded by `tests/live/facts.py` from a kept run (`run.sh --keep`). Paths under "
      f"`{work}` are the run's work directory; the test user `hostcap-live` existed only inside "
      "each scenario's mount namespace. Every stderr is verbatim, less the colour escapes Nix "
      "writes even into a file.\n")
    host = read(os.path.join(work, "facts-host.txt"))
    if host:
        w("## Host\n")
        w(fence(host))
    inst = read(os.path.join(work, "facts-install.txt"))
    if inst:
        w("Packages run.sh installed in this run (apt-get install -y --no-install-recommends):\n")
        w(fence(inst))
    hm = read(os.path.join(work, "facts-host-mountinfo.txt"))
    if hm and not targets_only:
        w("cgroup lines of /proc/self/mountinfo as root in the initial namespaces:\n")
        w(fence(hm))

    scenarios = []
    for line in open(os.path.join(work, "scenarios.tsv")):
        f = line.rstrip("\n").split("|")
        if len(f) >= 4:
            scenarios.append((f[0], f[1]))
    for idx, (name, desc) in enumerate(scenarios, 1):
        d = os.path.join(work, "s", str(idx))
        pd = os.path.join(d, "probes")
        w(f"## {name}\n")
        w(f"Induced: {desc}\n")
        skip = read(os.path.join(d, "skip"))
        if skip is not None:
            w(f"SKIPPED: {skip.strip()}\n")
            continue
        env = read_env(d)
        w("Test user's environment: " + ", ".join(f"`{k}={v}`" for k, v in env.items() if v) + "\n")
        names = [t for t, _ in TOOLS] + ["hostcap"]
        if targets_only:
            names = [t for t in names if t in TARGET_PROBES or t == "hostcap"]
        for t in names:
            pr = Probe(pd, t)
            if not pr.ran:
                continue
            w(f"### {t}: exit {pr.rc}\n")
            body = f"$ {pr.cmd}\n"
            if t in ("podman-unshare", "buildah-unshare", "setup-pause", "podman-unshare-migrated") and pr.ok:
                body += pr.out if pr.out.endswith("\n") else pr.out + "\n"
                us, gs = map_sizes(pr.out)
                body += f"# uid_map {us} ids, gid_map {gs} ids\n"
            if t == "hostcap":
                try:
                    data = json.loads(pr.out)
                    for v in data.get("verdicts", []):
                        body += (f"# {v.get('target')}: {v.get('verdict')} deciding "
                                 f"{','.join(v.get('deciding') or []) or '-'}: {v.get('summary')}\n")
                    if targets_only:  # the findings that decide the other targets, with evidence
                        wanted = {d for v in data.get("verdicts", []) if v.get("target") in OTHER_TARGETS
                                  for d in v.get("deciding") or []}
                        for f in data.get("findings", []):
                            if f.get("id") not in wanted and not str(f.get("id")).startswith(("nix.", "guix.")):
                                continue
                            body += f"# finding {f.get('id')} [{f.get('status')}]: {f.get('title')}\n"
                            for e in f.get("evidence") or []:
                                body += f"#   seen {e.get('source')}: {e.get('excerpt')}\n"
                except ValueError:
                    body += "# (no JSON on stdout)\n"
            if t == "kvm" and pr.out.strip():
                body += pr.out if pr.out.endswith("\n") else pr.out + "\n"
            built = read(os.path.join(pd, t + ".built"))
            if built is not None:
                body += f"--- $out of the build ({pr.out.strip().splitlines()[-1] if pr.out.strip() else '?'})\n" + built
            if pr.err.strip():
                body += "--- stderr\n" + ANSI.sub("", pr.err)
            w(fence(body))
        skip_nix = read(os.path.join(pd, "nix.skip"))
        if skip_nix:
            w(f"nix probes not run: {skip_nix.strip()}\n")
        if targets_only:
            continue
        info = Probe(pd, "podman-info")
        if info.ok:
            try:
                data = json.loads(info.out)
                w("`podman info --format json` (selected fields):\n")
                rows = [f"{label}: {json.dumps(dig(data, path))}" for label, path in INFO_FIELDS]
                w(fence("\n".join(rows)))
            except ValueError:
                pass
        for fname, title in [
            ("facts-env.out", "`env` as the test user"),
            ("facts-mountinfo.out", "cgroup lines of /proc/self/mountinfo as the test user"),
            ("facts-cgroup.out", "/proc/self/cgroup as the test user"),
            ("facts-cgroup2.out", "controllers of every cgroup2 mount as the test user"),
            ("facts-stale-pause-setup.txt", "the pause process right after setup (no subordinate ids yet)"),
            ("facts-rundir.txt", "runtime directories after the podman calls (root's view; before hostcap ran) "
                                 "and the pause process"),
            ("pause.log", "pause processes run.sh ended between podman calls"),
        ]:
            text = read(os.path.join(pd, fname))
            if text is None:
                continue
            w(f"{title} (`{fname}`):\n")
            w(fence(text))
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
