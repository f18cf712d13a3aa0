# SPDX-License-Identifier: GPL-2.0-or-later
"""lpsteer.py - the steering data path as the integration tests see it

lowportd steers TCP leases with a BPF sk_lookup program and a socket map
pinned in a BPF filesystem (plugin/daemon/steering.c, netutils/steer/).
This module, used by lptest.py, gives each test a BPF filesystem of its
own inside the private mount namespace, reads the map and the links with
bpftool (read only), and takes copies of a backend's sockets the way the
shim takes pasta's (pidfd_getfd) to hand them over or read their cookies.

Copyright lowport authors
"""

import collections
import ctypes
import json
import os
import socket
import subprocess
import sys

SYS_PIDFD_GETFD = 438  # the same number on every architecture
SO_COOKIE = 57
TIMEOUT = 5.0  # any command

_libc = ctypes.CDLL(None, use_errno=True)


class SteerFailure(AssertionError):
    """A failed check; the message is the diagnostic"""


def _check(cond, msg):
    """_check() - fail with @msg unless @cond"""
    if not cond:
        raise SteerFailure(msg)


def _run(argv, check_rc=True):
    """_run() - run a command to completion, bounded; capture its output"""
    res = subprocess.run(argv, capture_output=True, text=True,
                         timeout=TIMEOUT)
    if check_rc and res.returncode != 0:
        raise SteerFailure(f'{" ".join(argv)} failed ({res.returncode}): '
                           f'{res.stderr.strip()}')
    return res


def _ns_id(path):
    """_ns_id() - identity of a namespace file"""
    st = os.stat(path)
    return f'{st.st_dev}:{st.st_ino}'


# ------------------------------------------------------------ bpffs

def _mountinfo_tags(path):
    """_mountinfo_tags() - propagation tags of the mount @path lies on

    Return: the optional fields (shared:N, master:N...) of the last mount
    whose mount point is the longest prefix of @path
    """
    best, tags = -1, None
    with open('/proc/self/mountinfo') as f:
        for line in f:
            fields = line.split()
            point = fields[4]
            inside = (path == point or point == '/' or
                      path.startswith(point.rstrip('/') + '/'))
            if inside and len(point) >= best:
                best, tags = len(point), fields[6:fields.index('-')]
    return tags or []


def _private(path):
    """_private() - does the mount @path lies on propagate nowhere?"""
    return not any(t.startswith(('shared:', 'master:'))
                   for t in _mountinfo_tags(path))


def mount_bpffs(path, orig_mntns):
    """mount_bpffs() - mount a BPF filesystem of our own on directory @path
    @orig_mntns: id of the mount namespace the test started in

    Only inside the private mount namespace main() entered, and only on a
    mount that does not propagate: the host's /sys/fs/bpf never sees it,
    and it goes away with the namespace (detaching whatever was pinned in
    it) if the test dies.
    """
    _check(orig_mntns and _ns_id('/proc/self/ns/mnt') != orig_mntns,
           'not in a private mount namespace: refusing to mount bpffs')
    _check(_private(path), f'{path} lies on a mount with shared propagation')
    _run(['mount', '-t', 'bpf', '-o', 'mode=0700', 'lptest-bpf', path])
    if not _private(path):
        _run(['umount', path], check_rc=False)
        raise SteerFailure(f'bpffs on {path} has shared propagation')


def is_bpffs(path):
    """is_bpffs() - is @path the root of a mounted BPF filesystem?"""
    with open('/proc/self/mountinfo') as f:
        for line in f:
            fields = line.split()
            sep = fields.index('-')
            if fields[4] == path and fields[sep + 1] == 'bpf':
                return True
    return False


# ------------------------------------------------------------ sockets


def pidfd_getfd(pidfd, fd):
    """pidfd_getfd() - a copy of descriptor @fd of the process of @pidfd

    What the shim does to take pasta's listeners (needs ptrace rights over
    the process: we are root). The copy is close-on-exec.
    Return: the new descriptor; OSError on failure
    """
    r = _libc.syscall(ctypes.c_long(SYS_PIDFD_GETFD), ctypes.c_int(pidfd),
                      ctypes.c_int(fd), ctypes.c_uint(0))
    if r < 0:
        err = ctypes.get_errno()
        raise OSError(err, f'pidfd_getfd({fd}): {os.strerror(err)}')
    return r


def sock_cookie(fd):
    """sock_cookie() - the socket cookie (SO_COOKIE) of socket @fd"""
    with socket.socket(fileno=os.dup(fd)) as s:
        return int.from_bytes(s.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8),
                              sys.byteorder)


# ------------------------------------------------------------ map and links (read only)

STEER_PROTOS = {6: 'tcp', 17: 'udp'}
STEER_FAMILIES = {2: 'ipv4', 10: 'ipv6'}


class SteerEntry(collections.namedtuple('SteerEntry',
                                        'family proto port addr cookie')):
    """SteerEntry - one entry of the steering map

    @family: 'ipv4' or 'ipv6'; @proto: 'tcp'; @port: steered (host) port;
    @addr: address text, '0.0.0.0' or '::' for the wildcard; @cookie: the
    socket cookie of the listener it steers to
    """

    @property
    def key(self):
        return (self.family, self.proto, self.port, self.addr)


def _bpftool_bytes(value):
    """_bpftool_bytes() - bytes of a raw key/value as bpftool -j prints it
    (a list of "0x12" strings)"""
    return bytes(int(x, 16) for x in value)


def _steer_entry(obj):
    """_steer_entry() - SteerEntry of one element of bpftool -j map dump

    struct lp_steer_key (netutils/steer/steer-key.h): u8 family, u8 proto,
    u16 port (host order), u32 addr[4] (network order); value: u64 cookie
    """
    key = _bpftool_bytes(obj['key'])
    value = _bpftool_bytes(obj['value'])
    _check(len(key) == 20 and len(value) == 8,
          f'steering map entry of unexpected size: {obj!r}')
    family = STEER_FAMILIES.get(key[0], str(key[0]))
    port = int.from_bytes(key[2:4], sys.byteorder)
    if family == 'ipv4':
        addr = socket.inet_ntop(socket.AF_INET, key[4:8])
        _check(key[8:] == bytes(12), f'IPv4 key with a tail: {obj!r}')
    else:
        addr = socket.inet_ntop(socket.AF_INET6, key[4:20])
    return SteerEntry(family, STEER_PROTOS.get(key[1], str(key[1])), port,
                      addr, int.from_bytes(value, sys.byteorder))


def steer_entries(bpf_dir):
    """steer_entries() - the entries of the steering map pinned in @bpf_dir

    Read with bpftool (a sockhash lookup from user space yields the
    socket's cookie).
    Return: sorted list of SteerEntry, [] if there is no map pinned
    """
    path = os.path.join(bpf_dir, 'map')
    if not os.path.exists(path):
        return []
    res = _run(['bpftool', '-j', 'map', 'dump', 'pinned', path])
    entries = []
    for obj in json.loads(res.stdout or '[]'):
        if 'key' in obj and 'value' in obj:
            entries.append(_steer_entry(obj))
        elif 'formatted' not in obj:
            raise SteerFailure(f'bpftool map dump: unexpected {obj!r}')
    return sorted(entries)


def steer_link_ids():
    """steer_link_ids() - ids of the sk_lookup netns links attached to
    this network namespace"""
    ino = os.stat('/proc/self/ns/net').st_ino
    res = _run(['bpftool', '-j', 'link', 'show'])
    return {x.get('id') for x in json.loads(res.stdout or '[]')
            if x.get('type') == 'netns' and x.get('netns_ino') == ino and
            x.get('attach_type') == 'sk_lookup'}


def steer_keys(m):
    """steer_keys() - the steering map keys of wire mapping @m

    Every address: a wildcard key per family; one family's wildcard or one
    address: one key per port. Return: set of (family, proto, port, addr)
    """
    addr = m.get('host_addr') or ''
    if not addr:
        addrs = [('ipv4', '0.0.0.0'), ('ipv6', '::')]
    elif ':' in addr:
        addrs = [('ipv6', socket.inet_ntop(
            socket.AF_INET6, socket.inet_pton(socket.AF_INET6, addr)))]
    else:
        addrs = [('ipv4', addr)]
    return {(fam, m['proto'], m['host_port'] + k, a) for fam, a in addrs
            for k in range(m.get('range', 1))}


def tcp_backend_ports(mappings):
    """tcp_backend_ports() - the backend ports of the TCP mappings"""
    return {m['backend_port'] + k for m in mappings if m['proto'] == 'tcp'
            for k in range(m.get('range', 1))}
