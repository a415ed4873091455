#!/usr/bin/env python3
"""Read-only proof: hostcap changes nothing on the host.

    readonly.py HOSTCAP_BINARY

Runs a full live check (experiments included) under `strace -f`, as root and as the user
`nobody`, and fails on any write, create, unlink, rename, chmod, chown, link, mknod, mkdir,
mount or extended-attribute change, except what the experiment children do inside the user and
mount namespaces they made for themselves (their id maps, `setgroups`, their own tmpfs and
overlay) and what newuidmap/newgidmap write into a child's `/proc/PID/{uid,gid}_map`. Opening
`/dev/net/tun`, `/dev/fuse` and `/dev/kvm` read-write is allowed: hostcap opens them to learn
whether it may, and closes them without a write or an ioctl that changes anything.

Exit 0 when nothing was changed; 1 with one line per violation otherwise; 2 on a setup error.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SYSCALLS = (
    "openat,open,creat,unlink,unlinkat,rename,renameat,renameat2,rmdir,mkdir,mkdirat,chmod,"
    "fchmod,fchmodat,chown,fchown,fchownat,lchown,truncate,ftruncate,symlink,symlinkat,link,"
    "linkat,mknod,mknodat,mount,umount2,setxattr,lsetxattr,fsetxattr,unshare,execve"
)
WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND")
LINE = re.compile(r"^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+|\?)")
# opened read-write only to learn whether this user may open them
DEVICES = {"/dev/net/tun", "/dev/fuse", "/dev/kvm"}
OWN_MAPS = re.compile(r'"/proc/(self|\d+)/(uid_map|gid_map|setgroups)"')
CHANGES = {
    "creat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "rmdir", "mkdir",
    "mkdirat", "chmod", "fchmod", "fchmodat", "chown", "fchown", "fchownat", "lchown",
    "truncate", "ftruncate", "symlink", "symlinkat", "link", "linkat", "mknod", "mknodat",
    "mount", "umount2", "setxattr", "lsetxattr", "fsetxattr",
}


def joined(trace):
    """strace -f splits calls that other processes interrupt ("<unfinished ...>" then
    "<... NAME resumed>"): put each back together."""
    pending = {}
    for line in trace.splitlines():
        pid = line.split(" ", 1)[0]
        if line.endswith("<unfinished ...>"):
            pending[pid] = line[: -len("<unfinished ...>")].rstrip()
            continue
        m = re.match(r"^(\d+)\s+<\.\.\. \w+ resumed>(.*)$", line)
        if m and m.group(1) in pending:
            yield pending.pop(m.group(1)) + m.group(2)
            continue
        yield line


def violations(trace):
    """The changes in an strace -f log that are not the experiments' own."""
    namespaced = set()  # pids that made their own user namespace
    helpers = set()  # pids that became newuidmap/newgidmap
    found = []
    for raw in joined(trace):
        m = LINE.match(raw)
        if not m:
            continue
        pid, call, args, ret = m.group(1), m.group(2), m.group(3), m.group(4)
        if ret.startswith("-"):
            continue  # refused: nothing changed
        if call == "unshare" and "CLONE_NEWUSER" in args:
            namespaced.add(pid)
            continue
        if call == "execve" and re.search(r'"[^"]*/new[ug]idmap"', args):
            helpers.add(pid)
            continue
        if call in ("openat", "open") and WRITE_FLAGS.search(args):
            path = re.search(r'"([^"]*)"', args)
            path = path.group(1) if path else "?"
            if path in DEVICES and "O_CREAT" not in args and "O_TRUNC" not in args:
                continue
            if OWN_MAPS.search(args) and (pid in namespaced or pid in helpers):
                continue
            found.append(f"pid {pid}: {call}({args}) = {ret}")
        elif call in CHANGES:
            if pid in namespaced and call in ("mount", "mkdir", "mkdirat", "umount2"):
                continue  # inside the child's private mount namespace, on its own tmpfs
            found.append(f"pid {pid}: {call}({args}) = {ret}")
    return found


def run(binary, as_nobody):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "strace.log")
        cmd = ["strace", "-f", "-qq", "-e", "trace=" + SYSCALLS, "-o", log]
        if as_nobody:
            cmd += ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                    "env", "-i", "HOME=/nonexistent", "PATH=/usr/local/bin:/usr/bin:/bin"]
        cmd += [binary, "check", "--json"]
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode not in (0, 1, 2, 3):
            print(f"readonly: hostcap exited {done.returncode}: {done.stderr.strip()}")
            sys.exit(2)
        with open(log) as f:
            trace = f.read()
    # setpriv and env themselves are not hostcap: start judging at hostcap's own execve
    start = trace.find(os.path.basename(binary))
    return violations(trace[max(0, trace.rfind("\n", 0, start)):])


def self_test():
    """The checker itself: it must see a change, and let the experiments' own pass."""
    trace = "\n".join([
        '10 openat(AT_FDCWD, "/etc/subuid", O_RDONLY|O_CLOEXEC) = 3',
        '10 openat(AT_FDCWD, "/dev/net/tun", O_RDWR|O_CLOEXEC|O_NONBLOCK) = -1 EACCES (Permission denied)',
        '11 unshare(CLONE_NEWUSER <unfinished ...>',
        '10 openat(AT_FDCWD, "/dev/kvm", O_RDWR|O_CLOEXEC) = 4',
        '11 <... unshare resumed>) = 0',
        '11 openat(AT_FDCWD, "/proc/self/uid_map", O_WRONLY|O_CLOEXEC) = 3',
        '11 mount("tmpfs", "/tmp", "tmpfs", 0, NULL) = 0',
        '12 execve("/usr/bin/newuidmap", ["/usr/bin/newuidmap", "11"], 0x1 /* 3 vars */) = 0',
        '12 openat(AT_FDCWD, "/proc/11/uid_map", O_WRONLY) = 3',
        '10 unlink("/home/alice/.config/x") = 0',
        '10 openat(AT_FDCWD, "/etc/subgid", O_WRONLY|O_TRUNC) = 5',
        '10 mount("tmpfs", "/tmp", "tmpfs", 0, NULL) = 0',
    ])
    found = violations(trace)
    assert len(found) == 3 and all(f.startswith("pid 10:") for f in found), found
    print("readonly: self-test passed")


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    binary = os.path.abspath(sys.argv[1])
    if not shutil.which("strace"):
        print("readonly: strace is not installed")
        sys.exit(2)
    failed = False
    for who, as_nobody in (("root", False), ("nobody", True)):
        found = run(binary, as_nobody)
        for line in found:
            print(f"readonly: as {who}: {line}")
        failed |= bool(found)
        print(f"readonly: as {who}: {'CHANGED THE HOST' if found else 'no change'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
