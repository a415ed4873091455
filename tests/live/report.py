#!/usr/bin/env python3
"""Judge one run of tests/live/run.sh: what the real tools did, what hostcap said, do they agree.

    report.py WORKDIR

Reads WORKDIR/scenarios.tsv (the scenario table of run.sh, the lines that ran) and, per scenario,
WORKDIR/s/NAME/{skip,error,probes/PROBE.{rc,out,err,cmd}}. Prints the per-tool table, the verdict
table and the real tools' stderr, and ends with "live: N passed, N failed, N skipped".
Exit 0 when no scenario disagrees, 1 otherwise.

The real verdicts, from the real tools only:
  rootless-podman  ready     `podman unshare` works, uid and gid maps hold >= 65537 ids, and an
                             image with a file owned by uid 60000 imports and runs;
                   degraded  podman works (an image owned by root imports and runs) but the map is
                             smaller or the uid-60000 image fails;
                   blocked   podman cannot set up its user namespace or run anything.
  bubblewrap       ready     `bwrap --unshare-user --ro-bind / / true` exits 0; else blocked.
"""
import json
import os
import re
import sys

EXIT_OF = {"ready": 0, "degraded": 1, "blocked": 2, "unknown": 3}
FULL_MAP = 65537  # the user's own id + 65536 subordinate ids

TOOLS = [
    ("unshare-r", "unshare --user --map-root-user true"),
    ("unshare-auto", "unshare --user --map-auto true"),
    ("bwrap", "bwrap --unshare-user --ro-bind / / true"),
    ("proot", "proot -r / true"),
    ("podman-unshare", "podman unshare cat uid_map/gid_map"),
    ("podman-import-root", "podman import (root-owned files)"),
    ("podman-run-root", "podman run --rm (root-owned image)"),
    ("podman-import-high", "podman import (file of uid 60000)"),
    ("podman-run-high", "podman run --rm (uid-60000 image)"),
    ("buildah-unshare", "buildah unshare cat uid_map/gid_map"),
    ("podman-info-default", "podman info (default runtime)"),
    ("podman-run-crun", "podman run --runtime crun"),
    ("podman-run-slirp", "podman run (default network)"),
]

INTERESTING = re.compile(
    r"error|failed|denied|not permitted|no space|insufficient|should have|not found|"
    r"cannot|could not|invalid|not supported|single mapping|warn",
    re.I,
)
# the phrase that names the cause inside podman's long one-line errors
SIGNATURE = re.compile(
    r"potentially insufficient UIDs or GIDs[^:]*|newuidmap: [^\\\"]*|newgidmap: [^\\\"]*|"
    r"should have setuid or have filecaps[^:\\\"]*|open\(\\\"/dev/net/tun\\\"\): [A-Za-z ]+"
)
NOISE = re.compile(r'"/" is not a shared mount|\(Unable to determine exit status\)|parsing PID ""')
LOGRUS = re.compile(r'^time="[^"]*" level=(\w+) msg="(.*)"$')


def read(path, limit=200_000):
    try:
        with open(path, errors="replace") as f:
            return f.read(limit)
    except OSError:
        return None


def clean_line(line):
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
    errs = [l for l in pool if l.startswith("Error") or l.startswith("ERRO")]
    pick = errs[-1] if errs else next((l for l in pool if INTERESTING.search(l)), pool[-1])
    if len(pick) <= width:
        return pick
    m = SIGNATURE.search(pick)
    if m:
        head = pick[: max(0, width - len(m.group(0)) - 3)].rstrip()
        return (head + " … " + m.group(0))[: width + 40]
    return pick[: width - 1] + "…"


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


def real_podman(p):
    u = p["podman-unshare"]
    if not u.ok:
        return "blocked", f"podman unshare {u.status()}: {key_line(u.err)}"
    us, gs = map_sizes(u.out)
    size = min(us, gs)
    high = p["podman-import-high"].ok and p["podman-run-high"].ok
    root = p["podman-import-root"].ok and p["podman-run-root"].ok
    if size >= FULL_MAP and high:
        return "ready", f"map {us}/{gs} ids; uid-60000 image runs"
    if root or high:
        why = f"map {us}/{gs} ids"
        if not high:
            bad = p["podman-import-high"] if not p["podman-import-high"].ok else p["podman-run-high"]
            why += f"; uid-60000 image fails: {key_line(bad.err, 70)}"
        return "degraded", why
    bad = p["podman-import-root"] if not p["podman-import-root"].ok else p["podman-run-root"]
    return "blocked", f"map {us}/{gs} ids but nothing runs: {key_line(bad.err, 70)}"


def real_bwrap(p):
    b = p["bwrap"]
    if b.ok:
        return "ready", "bwrap exit 0"
    return "blocked", f"bwrap {b.status()}: {key_line(b.err, 80)}"


def hostcap_result(h):
    """(verdicts by target, error text or None)"""
    if not h.ran:
        return {}, "hostcap did not run"
    try:
        data = json.loads(h.out)
    except ValueError:
        return {}, f"no JSON on stdout (exit {h.rc}): {key_line(h.err, 80) or 'empty output'}"
    if not isinstance(data, dict) or data.get("schema") != "hostcap/report/v1":
        return {}, f"unexpected JSON (schema {data.get('schema') if isinstance(data, dict) else '?'!r})"
    verdicts = {}
    for v in data.get("verdicts") or []:
        if isinstance(v, dict) and "target" in v:
            verdicts[v["target"]] = v
    return verdicts, None


def judge(target, real, hv, expected, hc_rc, is_exit_target):
    """(agree: bool, reason)"""
    if hv is None:
        return False, "no verdict for this target"
    verdict = hv.get("verdict")
    deciding = [d for d in hv.get("deciding") or [] if isinstance(d, str)]
    problems = []
    skips = []
    if verdict != real:
        problems.append(f"verdict {verdict} != real {real}")
    if real != "ready" and expected:
        if not set(deciding) & set(expected):
            problems.append("deciding names none of " + ", ".join(expected))
    if is_exit_target and verdict in EXIT_OF and hc_rc != EXIT_OF[verdict]:
        problems.append(f"exit {hc_rc} does not match verdict {verdict}")
    if problems:
        return False, "; ".join(problems)
    return True, ""


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
        ids = lambda s: [] if s.strip() in ("", "-") else s.split()
        scenarios.append((f[0], f[1], {"rootless-podman": ids(f[2]), "bubblewrap": ids(f[3])}))

    tool_rows, verdict_rows, details = [], [], []
    passed = failed = skipped = 0
    failures = []
    problems = []
    skips = []
    for idx, (name, desc, expected) in enumerate(scenarios, 1):
        d = os.path.join(work, "s", str(idx))
        skip = read(os.path.join(d, "skip"))
        error = read(os.path.join(d, "error"))
        if skip is not None:
            skipped += 1
            verdict_rows.append([name, "*", "SKIP", shorten(skip.strip(), 72), "", "", "", "skipped"])
            skips.append(f"{name}: {skip.strip()}")
            continue
        pd = os.path.join(d, "probes")
        p = {t: Probe(pd, t) for t, _ in TOOLS}
        p["hostcap"] = Probe(pd, "hostcap")
        if error is not None and not p["hostcap"].ran:
            failed += 1
            failures.append(name)
            verdict_rows.append([name, "*", "ERROR", shorten(error.strip(), 100), "", "", "", "NO"])
            problems.append(f"{name}: {error.strip()}")
            continue

        first = True
        for t, label in TOOLS:
            pr = p[t]
            if not pr.ran:
                continue
            key = key_line(pr.err, ok=pr.ok)
            if t in ("podman-unshare", "buildah-unshare") and pr.ok:
                us, gs = map_sizes(pr.out)
                key = f"uid_map {us} ids, gid_map {gs} ids" + (f" | {key}" if key else "")
            if t == "podman-info-default" and pr.ok:
                key = pr.out.strip()
            tool_rows.append([name if first else "", label, pr.status(), key])
            first = False
            if pr.err.strip():
                details.append((name, label, pr.status(), pr.cmd, pr.err))

        h = p["hostcap"]
        hverdicts, herr = hostcap_result(h)
        reals = {"rootless-podman": real_podman(p), "bubblewrap": real_bwrap(p)}
        scenario_ok = True
        first = True
        for target in ("rootless-podman", "bubblewrap"):
            real, why = reals[target]
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
                ok, reason = judge(target, real, hv, expected[target], h.rc, target == "rootless-podman")
            scenario_ok &= ok
            exp = " | ".join(expected[target]) if real != "ready" and expected[target] else "-"
            verdict_rows.append([
                name if first else "", target, real, shorten(why, 72), hc_text, shorten(dec_text, 60), exp,
                "yes" if ok else "NO",
            ])
            if not ok:
                problems.append(f"{name} / {target}: {reason}")
            first = False
        if scenario_ok:
            passed += 1
        else:
            failed += 1
            failures.append(name)

    print()
    print("== Real tools, as the unprivileged test user ==")
    print(table(tool_rows, ["SCENARIO", "TOOL", "STATUS", "KEY STDERR LINE"]))
    print()
    print("== Verdicts: real tools vs hostcap check --json ==")
    print(table(verdict_rows, ["SCENARIO", "TARGET", "REAL", "WHY (real tools)", "HOSTCAP", "DECIDING",
                               "EXPECTED DECIDING (any of)", "AGREE"]))
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
        print(f"-- {name} / {label}: {status}")
        print(f"   $ {cmd}")
        for l in lines[:8]:
            print(f"   | {l}")
        if len(lines) > 8:
            print(f"   | … {len(lines) - 8} more lines")
    print()
    if failures:
        print("disagreements: " + ", ".join(failures))
    print(f"live: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
