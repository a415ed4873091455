#!/usr/bin/env python3
"""The static binaries are what people download, so check what they promise.

Each is statically linked (`file` says so) and under 2 MB, and the aarch64 one, run under
qemu-user, judges every recorded host in tests/hosts/ exactly as the x86_64 one does: the same
exit code, and for each target the same verdict and deciding findings. A difference fails.

    python3 tests/static/verify.py X86_64_BINARY AARCH64_BINARY [--qemu qemu-aarch64-static]
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

HOSTS = Path(__file__).resolve().parent.parent / "hosts"
MAX_BYTES = 2_000_000


def static_and_small(binary: Path) -> list[str]:
    problems = []
    kind = subprocess.run(["file", "-b", str(binary)], capture_output=True, text=True).stdout
    if "statically linked" not in kind:
        problems.append(f"{binary}: not statically linked: {kind.strip()}")
    size = binary.stat().st_size
    if size >= MAX_BYTES:
        problems.append(f"{binary}: {size} bytes, the limit is {MAX_BYTES}")
    return problems


def judge(command: list[str], host: Path) -> tuple[int, dict]:
    """Exit code and, per target, (verdict, deciding ids) of `check --from HOST --json`."""
    run = subprocess.run(
        [*command, "check", "--from", str(host), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        return run.returncode, {"no report": run.stderr.strip()}
    verdicts = {
        v["target"]: (v["verdict"], v["deciding"]) for v in report.get("verdicts", [])
    }
    return run.returncode, verdicts


def differences(reference: tuple[int, dict], emulated: tuple[int, dict]) -> list[str]:
    """Each way the aarch64 answer differs from the x86_64 one, in a line."""
    (code, verdicts), (other_code, other_verdicts) = reference, emulated
    found = []
    if other_code != code:
        found.append(f"exit {code} on x86_64, {other_code} on aarch64")
    for target in sorted(verdicts.keys() | other_verdicts.keys()):
        if verdicts.get(target) != other_verdicts.get(target):
            found.append(
                f"{target}: {verdicts.get(target)} on x86_64, {other_verdicts.get(target)} on aarch64"
            )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("x86_64", type=Path)
    parser.add_argument("aarch64", type=Path)
    parser.add_argument("--qemu", default="qemu-aarch64-static")
    args = parser.parse_args()

    problems = static_and_small(args.x86_64) + static_and_small(args.aarch64)
    hosts = sorted(p.parent for p in HOSTS.glob("*/host.toml"))
    if not hosts:
        problems.append(f"no recorded hosts in {HOSTS}")
    for host in hosts:
        reference = judge([str(args.x86_64)], host)
        emulated = judge([args.qemu, str(args.aarch64)], host)
        if reference[0] not in (0, 1, 2, 3) or "no report" in reference[1]:
            problems.append(f"{host.name}: x86_64 gave no verdicts: {reference}")
        else:
            problems += [f"{host.name}: {d}" for d in differences(reference, emulated)]

    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if not problems:
        print(f"static binaries: both static and under {MAX_BYTES} bytes; "
              f"aarch64 under qemu agrees with x86_64 on {len(hosts)} recorded hosts")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
