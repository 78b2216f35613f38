"""Confining query worker processes: a seccomp filter that forbids them to create network sockets.

A SPARQL `SERVICE` clause makes the engine open an HTTP connection to whatever endpoint the query names.
The query text is checked before it reaches a worker (`ServicePolicy`), but that check reads the text
with our own tokenizer, which could disagree with the engine's grammar. So the guarantee "a query never
reaches the network" is enforced below the engine, by the kernel: every worker that evaluates user
queries installs, before it opens the store, a seccomp filter under which

- `socket()` and `socketpair()` fail with EACCES for every address family (the worker's pipe to the pool
  exists before the filter and keeps working; nothing else in a worker needs a new socket), so no TCP,
  UDP, raw, netlink or Unix-domain connection can be opened and no name can be resolved;
- `io_uring_setup()` fails with EPERM (io_uring can create sockets without the `socket()` call);
- system calls of another ABI (i386 `socketcall()` on x86-64, x32) fail with EPERM.

The filter is inherited by every thread the engine starts later and by any child process, and cannot
be removed (`PR_SET_NO_NEW_PRIVS`). Linux only, on x86-64 and aarch64; elsewhere `forbid_network`
raises `SandboxUnavailable` and the pool refuses to start unless the operator turns confinement off.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

# Classic BPF, as seccomp reads it (linux/filter.h, linux/seccomp.h, linux/audit.h).
_LD_W_ABS = 0x00 | 0x00 | 0x20   # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x05 | 0x10 | 0x00      # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x05 | 0x30 | 0x00      # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06 | 0x00             # BPF_RET | BPF_K
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_OFFSET_NR = 0                   # struct seccomp_data: int nr
_OFFSET_ARCH = 4                 # __u32 arch
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_X32_SYSCALL_BIT = 0x40000000

# machine -> (AUDIT_ARCH, seccomp, socket, socketpair, io_uring_setup)
_ARCHES = {
    "x86_64": (0xC000003E, 317, 41, 53, 425),
    "aarch64": (0xC00000B7, 277, 198, 199, 425),
}


class SandboxUnavailable(Exception):
    """The kernel or the platform cannot confine this process."""


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("HBBI", code, 0, 0, k)


def _jump(code: int, k: int, jt: int, jf: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def filter_program(machine: str) -> list[bytes]:
    """The BPF instructions of the filter for one machine architecture."""
    if machine not in _ARCHES:
        raise SandboxUnavailable(f"no seccomp filter is written for the {machine} architecture")
    arch, _, socket_nr, socketpair_nr, io_uring_nr = _ARCHES[machine]
    deny_eacces = _RET_ERRNO | errno.EACCES
    deny_eperm = _RET_ERRNO | errno.EPERM
    program = [
        _stmt(_LD_W_ABS, _OFFSET_ARCH),
        _jump(_JEQ_K, arch, 1, 0),
        _stmt(_RET_K, deny_eperm),                 # another ABI: nothing at all
        _stmt(_LD_W_ABS, _OFFSET_NR),
    ]
    if machine == "x86_64":
        program += [_jump(_JGE_K, _X32_SYSCALL_BIT, 0, 1), _stmt(_RET_K, deny_eperm)]
    program += [
        _jump(_JEQ_K, socket_nr, 3, 0),
        _jump(_JEQ_K, socketpair_nr, 2, 0),
        _jump(_JEQ_K, io_uring_nr, 2, 0),
        _stmt(_RET_K, _RET_ALLOW),
        _stmt(_RET_K, deny_eacces),                # socket(), socketpair()
        _stmt(_RET_K, deny_eperm),                 # io_uring_setup()
    ]
    return program


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def forbid_network() -> None:
    """Install the filter in this process (all its threads); raise SandboxUnavailable if impossible."""
    if not os.uname().sysname == "Linux":
        raise SandboxUnavailable(f"seccomp exists on Linux only, not on {os.uname().sysname}")
    machine = platform.machine()
    program = filter_program(machine)
    seccomp_nr = _ARCHES[machine][1]
    code = b"".join(program)
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = _SockFprog(len(program), ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    if libc.syscall(seccomp_nr, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC,
                    ctypes.byref(fprog)) != 0:
        raise SandboxUnavailable(f"installing the seccomp filter failed: {os.strerror(ctypes.get_errno())}")
