#!/usr/bin/env python3
"""Helpers for tests/live/run.sh that util-linux cannot do directly (root-side, and one probe).

  nshelper.py seccomp-deny-userns -- CMD ARGS...
      Install a seccomp filter like Docker's default profile does for user namespaces
      (clone/unshare with CLONE_NEWUSER -> EPERM, clone3 -> ENOSYS so libc falls back to
      clone), then exec CMD. Needs CAP_SYS_ADMIN (root) so no_new_privs is NOT set: a setuid
      newuidmap still works under it, exactly as in a Docker container.

  nshelper.py identity-userns [--max-user-namespaces N] -- CMD ARGS...
      Fork a child that unshares a user namespace; the parent (root in the initial user
      namespace) writes an identity map of all 2^32-1 ids into it, so every file and id looks
      the same inside. The child, root of that namespace, optionally writes its own
      per-namespace limit /proc/sys/user/max_user_namespaces (the limit is charged per user
      namespace and recursively, see Documentation/admin-guide/sysctl/user.rst) and execs CMD.
      Exit 97 with a message on stderr when the limit cannot be set (the caller reports SKIP).

  nshelper.py kvm-api [--create-vm]
      Not a root helper but a probe, run as whoever asks (the test user, or root): open
      /dev/kvm read-write and ask ioctl(KVM_GET_API_VERSION) (0xAE00), which answers 12 on every
      kernel with KVM; with --create-vm also ioctl(KVM_CREATE_VM) (0xAE01, machine type 0) and
      close the VM at once (proves KVM works at all; needs whatever opening /dev/kvm needs).
      Prints what it did on stdout; exit 0 when the answer is 12 (and the VM was created),
      1 with the errno on stderr otherwise.

Python only, ctypes, no compiler needed. The process must be single-threaded (it is).
"""
import ctypes
import os
import platform
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWUSER = 0x10000000
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
EPERM = 1
ENOSYS = 38

# (audit arch, clone, unshare, clone3)
ARCHES = {
    "x86_64": (0xC000003E, 56, 272, 435),
    "aarch64": (0xC00000B7, 220, 97, 435),
}

# classic BPF opcodes
BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_JSET_K = 0x45
BPF_RET_K = 0x06


def insn(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k)


def seccomp_program():
    machine = platform.machine()
    if machine not in ARCHES:
        raise SystemExit(f"nshelper: no syscall table for {machine}")
    arch, nr_clone, nr_unshare, nr_clone3 = ARCHES[machine]
    # struct seccomp_data: int nr @0; __u32 arch @4; __u64 ip @8; __u64 args[6] @16 (little endian:
    # low 32 bits of args[0] at offset 16, where the CLONE_* flags are for clone and unshare)
    prog = [
        insn(BPF_LD_W_ABS, 0, 0, 4),  # 0: A = arch
        insn(BPF_JEQ_K, 1, 0, arch),  # 1: native arch? -> 3
        insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),  # 2: other arch: leave alone
        insn(BPF_LD_W_ABS, 0, 0, 0),  # 3: A = nr
        insn(BPF_JEQ_K, 0, 1, nr_clone3),  # 4: clone3 -> 5 else 6
        insn(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS),  # 5
        insn(BPF_JEQ_K, 1, 0, nr_clone),  # 6: clone -> 8
        insn(BPF_JEQ_K, 0, 3, nr_unshare),  # 7: unshare -> 8 else 11
        insn(BPF_LD_W_ABS, 0, 0, 16),  # 8: A = flags (args[0] low word)
        insn(BPF_JSET_K, 0, 1, CLONE_NEWUSER),  # 9: NEWUSER -> 10 else 11
        insn(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM),  # 10
        insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),  # 11
    ]
    return b"".join(prog), len(prog)


def seccomp_deny_userns(cmd):
    code, n = seccomp_program()
    buf = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(n, ctypes.addressof(buf))
    rc = libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0)
    if rc != 0:
        err = ctypes.get_errno()
        sys.stderr.write(f"nshelper: prctl(PR_SET_SECCOMP): {os.strerror(err)}\n")
        sys.exit(97)
    os.execvp(cmd[0], cmd)


def identity_userns(max_userns, cmd):
    r1, w1 = os.pipe()  # child -> parent: unshared
    r2, w2 = os.pipe()  # parent -> child: maps written
    pid = os.fork()
    if pid == 0:
        os.close(r1)
        os.close(w2)
        if libc.unshare(CLONE_NEWUSER) != 0:
            err = ctypes.get_errno()
            sys.stderr.write(f"nshelper: unshare(CLONE_NEWUSER): {os.strerror(err)}\n")
            os._exit(97)
        os.write(w1, b"u")
        os.close(w1)
        ok = os.read(r2, 1)
        if ok != b"m":
            sys.stderr.write("nshelper: parent could not write the identity map\n")
            os._exit(97)
        if max_userns is not None:
            path = "/proc/sys/user/max_user_namespaces"
            try:
                with open(path, "w") as f:
                    f.write(f"{max_userns}\n")
                with open(path) as f:
                    got = f.read().strip()
            except OSError as e:
                sys.stderr.write(f"nshelper: cannot set {path} inside the child user namespace: {e}\n")
                os._exit(97)
            if got != str(max_userns):
                sys.stderr.write(f"nshelper: {path} reads {got} after writing {max_userns}\n")
                os._exit(97)
        try:
            os.execvp(cmd[0], cmd)
        except OSError as e:
            sys.stderr.write(f"nshelper: exec {cmd[0]}: {e}\n")
            os._exit(127)
    os.close(w1)
    os.close(r2)
    if os.read(r1, 1) != b"u":
        _, st = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(st) if os.WIFEXITED(st) else 97)
    try:
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{pid}/{name}", "w") as f:
                f.write("0 0 4294967295\n")
        os.write(w2, b"m")
    except OSError as e:
        sys.stderr.write(f"nshelper: writing the identity map: {e}\n")
    os.close(w2)
    _, st = os.waitpid(pid, 0)
    if os.WIFSIGNALED(st):
        sys.exit(128 + os.WTERMSIG(st))
    sys.exit(os.WEXITSTATUS(st))


KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01


def kvm_api(create_vm):
    import fcntl

    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        sys.stderr.write(f"open(\"/dev/kvm\", O_RDWR): {e.strerror} (errno {e.errno})\n")
        sys.exit(1)
    try:
        api = fcntl.ioctl(fd, KVM_GET_API_VERSION, 0)
    except OSError as e:
        sys.stderr.write(f"ioctl(KVM_GET_API_VERSION): {e.strerror} (errno {e.errno})\n")
        sys.exit(1)
    print(f"ioctl(KVM_GET_API_VERSION) = {api}")
    if api != 12:
        sys.stderr.write(f"KVM_GET_API_VERSION answered {api}, not 12\n")
        sys.exit(1)
    if create_vm:
        try:
            vm = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
        except OSError as e:
            sys.stderr.write(f"ioctl(KVM_CREATE_VM): {e.strerror} (errno {e.errno})\n")
            sys.exit(1)
        os.close(vm)
        print(f"ioctl(KVM_CREATE_VM, 0) = fd {vm} (closed)")
    os.close(fd)
    sys.exit(0)


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    mode = argv[1]
    args = argv[2:]
    if mode == "kvm-api":
        kvm_api("--create-vm" in args)
    max_userns = None
    if args[:1] == ["--max-user-namespaces"]:
        max_userns = int(args[1])
        args = args[2:]
    if args[:1] != ["--"] or len(args) < 2:
        raise SystemExit("nshelper: expected -- CMD ...")
    cmd = args[1:]
    if mode == "seccomp-deny-userns":
        seccomp_deny_userns(cmd)
    elif mode == "identity-userns":
        identity_userns(max_userns, cmd)
    else:
        raise SystemExit(f"nshelper: unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv)
