# SPDX-License-Identifier: GPL-2.0-or-later
"""lptest.py - harness for lowportd integration tests: namespaces, daemon, clients, TAP

Every test script calls lptest.main(TESTS). main() re-executes the script in
a fresh network and mount namespace (unshare), which plays the part of the
host, and creates a second namespace "lp-peer" joined by a veth pair, which
plays an outside client. Nothing here ever touches the real host's network
namespace: main() refuses to go on unless the namespace differs from the one
it was started in.

Building blocks (reused by the end-to-end suite):
  Env        one lowportd with its own socket, policy and state directory
  User       a client identity (uid, gid, supplementary groups)
  Backend    the "pasta" stand-in: a process running as a user that holds
             the backend listeners, and whose pidfd goes with a request
  Client     one connection's worth of protocol, run as a user
  tcp_get(), udp_ask(), TcpServer: traffic, optionally from lp-peer
  nft_*():   read-only inspection of table inet lowport
  wait_until(predicate, timeout)

Copyright lowport authors
"""

import atexit
import collections
import ctypes
import json
import os
import pwd
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

NS_MARKER = 'LPTEST_IN_NAMESPACE'
ORIG_NETNS = 'LPTEST_ORIGINAL_NETNS'

PEER_NS = 'lp-peer'
HOST_IF = 'lp-h'
PEER_IF = 'lp-p'
HOST4 = '192.0.2.1'
PEER4 = '192.0.2.2'
HOST6 = '2001:db8:1::1'
PEER6 = '2001:db8:1::2'

OP_TIMEOUT = 5.0  # any single operation
TEST_TIMEOUT = 120  # any single test, as a last resort
TABLE = ('inet', 'lowport')
# the data maps of table inet lowport and their key types
LEASE_MAPS = {
    'addr4': ['ipv4_addr', 'inet_proto', 'inet_service'],
    'addr6': ['ipv6_addr', 'inet_proto', 'inet_service'],
    'any': ['nf_proto', 'inet_proto', 'inet_service'],
}

PYTHON = '/usr/bin/python3'
CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)

DEFAULT_POLICY = """\
[allow web]
users = 4201, 4202
groups = 4300
ports = 80, 443, 1020-1030, 53
protocols = tcp, udp
max-forwards = 16

[allow limited]
users = 4204
ports = 80-90
max-forwards = 2

[lowport]
table-owner = {table_owner}
"""


class Skip(Exception):
    """Raised by a test to report itself as skipped"""


class TestFailure(AssertionError):
    """A failed check; the message is the diagnostic"""


# ---------------------------------------------------------------- checks


def check(cond, msg):
    """check() - fail the test with @msg unless @cond"""
    if not cond:
        raise TestFailure(msg)


def eq(got, want, what):
    """eq() - fail unless @got == @want"""
    if got != want:
        raise TestFailure(f'{what}: got {got!r}, want {want!r}')


def skip(reason):
    raise Skip(reason)


def info(msg):
    """info() - a TAP comment line, printed right away"""
    for line in str(msg).splitlines() or ['']:
        print(f'# {line}', flush=True)


def wait_until(predicate, timeout=OP_TIMEOUT, interval=0.02):
    """wait_until() - poll @predicate until it returns a true value

    Return: that value, or the last (false) value after @timeout seconds
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def timed_wait(predicate, timeout=OP_TIMEOUT, interval=0.01):
    """timed_wait() - like wait_until(), also return seconds elapsed"""
    start = time.monotonic()
    value = wait_until(predicate, timeout, interval)
    return value, time.monotonic() - start


# ------------------------------------------------------- process registry

_procs = []  # every Popen we started, stopped by PID at the end


def _track(proc):
    _procs.append(proc)
    return proc


def stop_process(proc, sig=signal.SIGTERM, grace=3.0):
    """stop_process() - signal one process we started, SIGKILL after @grace

    Return: exit status, or None if it could not be reaped
    """
    if proc.poll() is None:
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                return None
    return proc.returncode


def stop_all_processes():
    """stop_all_processes() - stop everything still running, by PID"""
    while _procs:
        proc = _procs.pop()
        stop_process(proc, signal.SIGKILL, 2.0)


# ------------------------------------------------------------ namespaces


def netns_id(path='/proc/self/ns/net'):
    st = os.stat(path)
    return f'{st.st_dev}:{st.st_ino}'


def run(argv, check_rc=True, timeout=OP_TIMEOUT, **kw):
    """run() - run a command to completion, bounded; capture its output"""
    res = subprocess.run(argv, capture_output=True, text=True,
                         timeout=timeout, **kw)
    if check_rc and res.returncode != 0:
        raise TestFailure(f'{" ".join(argv)} failed ({res.returncode}): '
                          f'{res.stderr.strip()}')
    return res


def _reexec_in_namespaces():
    env = dict(os.environ)
    env[NS_MARKER] = '1'
    env[ORIG_NETNS] = netns_id()
    argv = ['unshare', '--net', '--mount', '--fork', '--propagation',
            'private', '--kill-child=SIGTERM', PYTHON,
            os.path.abspath(sys.argv[0])] + sys.argv[1:]
    sys.stdout.flush()
    os.execvpe('unshare', argv, env)


def _assert_isolated():
    orig = os.environ.get(ORIG_NETNS)
    if not orig or netns_id() == orig:
        print('Bail out! not in a fresh network namespace', flush=True)
        sys.exit(1)
    try:
        if netns_id('/proc/1/ns/net') == netns_id():
            print('Bail out! network namespace is PID 1\'s', flush=True)
            sys.exit(1)
    except OSError:
        pass


def _setup_network():
    # ip netns keeps its names in /run/netns: give it a private tmpfs, and
    # if the host has no /run/netns, a private /run first so that nothing
    # is created on the host's file systems.
    if not os.path.isdir('/run/netns'):
        run(['mount', '-t', 'tmpfs', '-o', 'mode=0755', 'lptest-run', '/run'])
        os.mkdir('/run/netns', 0o755)
    run(['mount', '-t', 'tmpfs', '-o', 'mode=0755', 'lptest-netns',
         '/run/netns'])
    cmds = [
        ['ip', 'link', 'set', 'lo', 'up'],
        ['ip', 'netns', 'add', PEER_NS],
        ['ip', 'link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name',
         PEER_IF, 'netns', PEER_NS],
        ['ip', 'addr', 'add', f'{HOST4}/24', 'dev', HOST_IF],
        ['ip', '-6', 'addr', 'add', f'{HOST6}/64', 'dev', HOST_IF, 'nodad'],
        ['ip', 'link', 'set', HOST_IF, 'up'],
        ['ip', '-n', PEER_NS, 'link', 'set', 'lo', 'up'],
        ['ip', '-n', PEER_NS, 'addr', 'add', f'{PEER4}/24', 'dev', PEER_IF],
        ['ip', '-n', PEER_NS, '-6', 'addr', 'add', f'{PEER6}/64', 'dev',
         PEER_IF, 'nodad'],
        ['ip', '-n', PEER_NS, 'link', 'set', PEER_IF, 'up'],
    ]
    for argv in cmds:
        run(argv)

    def link_up():
        out = run(['ip', '-j', 'link', 'show', HOST_IF]).stdout
        return json.loads(out)[0].get('operstate') == 'UP'
    if not wait_until(link_up, 5.0):
        raise TestFailure(f'{HOST_IF} did not come up')


def in_netns(ns, fn, *args, timeout=OP_TIMEOUT * 2):
    """in_netns() - call @fn(*args) in a thread that joined netns @ns

    @ns: a name under /run/netns, or an absolute path of a netns file.
    Sockets created by @fn stay in @ns. With @ns None, call it directly.
    Return: what @fn returned; exceptions propagate
    """
    if ns is None:
        return fn(*args)
    box = {}

    def body():
        try:
            path = ns if ns.startswith('/') else f'/run/netns/{ns}'
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f'setns {ns}: {os.strerror(err)}')
            finally:
                os.close(fd)
            box['value'] = fn(*args)
        except BaseException as e:  # handed to the caller
            box['error'] = e
    t = threading.Thread(target=body, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise TestFailure(f'operation in netns {ns} did not finish')
    if 'error' in box:
        raise box['error']
    return box['value']


# ------------------------------------------------------------ traffic


def _family(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def _tcp_get(addr, port, timeout):
    try:
        with socket.socket(_family(addr), socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect((addr, port))
            data = b''
            while b'\n' not in data and len(data) < 4096:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data.decode(errors='replace').strip()
    except OSError:
        return None


def tcp_get(addr, port, ns=None, timeout=2.0):
    """tcp_get() - connect to @addr:@port (from netns @ns) and read

    Reads one line and closes first, so that TIME_WAIT stays on the
    client side.
    Return: what the server sent (stripped), None if the connection was
    refused, reset or timed out
    """
    return in_netns(ns, _tcp_get, addr, port, timeout)


def _udp_ask(addr, port, payload, timeout):
    with socket.socket(_family(addr), socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.connect((addr, port))
            s.send(payload.encode())
            return s.recv(4096).decode(errors='replace').strip()
        except OSError:
            return None


def udp_ask(addr, port, payload, ns=None, timeout=1.0):
    """udp_ask() - send one datagram from a fresh socket, wait for one

    Return: the reply, None on timeout or ICMP error
    """
    return in_netns(ns, _udp_ask, addr, port, payload, timeout)


def _listen_socket(addr, port, kind=socket.SOCK_STREAM):
    s = socket.socket(_family(addr), kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if _family(addr) == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    if kind == socket.SOCK_STREAM:
        s.listen(16)
    return s


class TcpServer:
    """TcpServer - a root listener in this process that answers @payload

    Used for host services (uid 0) and for servers in the peer namespace.
    It waits for the client to close first (no TIME_WAIT on its port).
    """

    def __init__(self, addr, port, payload, ns=None):
        self.payload = payload
        self.sock = in_netns(ns, _listen_socket, addr, port)
        self.sock.settimeout(0.1)
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop:
            try:
                conn, peer = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                try:
                    conn.settimeout(1.0)
                    conn.sendall(f'{self.payload} from {peer[0]}\n'.encode())
                    conn.recv(1)  # let the client close first
                except OSError:
                    pass

    def close(self):
        self._stop = True
        self._thread.join(2.0)
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def unmapped(addr):
    return addr[7:] if addr.startswith('::ffff:') else addr


# ------------------------------------------------------------ identities


def user_label(uid):
    """user_label() - how lowportd names a user: "NAME (uid N)" or "uid N" """
    try:
        return f'{pwd.getpwuid(uid).pw_name} (uid {uid})'
    except KeyError:
        return f'uid {uid}'


class User:
    """User - a client identity; no passwd entry needed"""

    def __init__(self, uid, gid=None, groups=()):
        self.uid = uid
        self.gid = uid if gid is None else gid
        self.groups = list(groups)

    @property
    def label(self):
        return user_label(self.uid)

    def popen_kwargs(self):
        """popen_kwargs() - subprocess arguments to run as this user"""
        return dict(user=self.uid, group=self.gid,
                    extra_groups=self.groups, cwd='/')

    def __repr__(self):
        return f'User({self.uid})'


ROOT = User(0)
# Users of DEFAULT_POLICY: none of them needs a passwd entry
ALICE = User(4201)  # [allow web] by uid
BOB = User(4202)  # [allow web] by uid
CAROL = User(4203, groups=[4300])  # [allow web] by supplementary group
DAVE = User(4204)  # [allow limited]: 80-90, max-forwards 2
MALLORY = User(4299)  # granted nothing

# ------------------------------------------------------------ helpers run as users

STANDIN_CODE = r'''
import ctypes, json, os, selectors, signal, socket, sys
spec = json.loads(sys.argv[1])
ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
if os.getppid() != spec["parent"]:
    sys.exit(1)
sel = selectors.DefaultSelector()
for proto, addr, port in spec["listen"]:
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(fam, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    if proto == "tcp":
        s.listen(64)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, (proto, port))
print("ready", flush=True)
tag = spec["tag"]
def peer(a):
    return a[0][7:] if a[0].startswith("::ffff:") else a[0]
while True:
    for key, _ in sel.select():
        proto, port = key.data
        try:
            if proto == "tcp":
                c, a = key.fileobj.accept()
                c.settimeout(2)
                c.sendall(f"{tag} tcp {port} from {peer(a)}\n".encode())
                c.close()
            else:
                d, a = key.fileobj.recvfrom(4096)
                msg = f"{tag} udp {port} from {peer(a)} echo "
                key.fileobj.sendto(msg.encode() + d, a)
        except OSError:
            pass
'''

CLIENT_CODE = r'''
import json, socket, sys, time
a = json.loads(sys.argv[1])
data = sys.stdin.buffer.read(a["size"])
out = {"reply": "", "eof": False, "error": None, "elapsed": None}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(a["timeout"])
if a["wait_go"]:
    print("waiting", flush=True)
    sys.stdin.readline()
start = time.monotonic()
try:
    s.connect(a["socket"])
    n = 0
    if a["fds"]:
        n = socket.send_fds(s, [data], a["fds"])
    if n < len(data):
        s.sendall(data[n:])
    if a["shut_wr"]:
        s.shutdown(socket.SHUT_WR)
except OSError as e:
    out["error"] = "send: " + str(e)
buf = b""
try:
    while b"\n" not in buf and len(buf) < 1 << 20:
        chunk = s.recv(65536)
        if not chunk:
            out["eof"] = True
            break
        buf += chunk
    if not out["eof"] and a["check_eof"]:
        s.settimeout(a["check_eof"])
        try:
            out["eof"] = s.recv(1) == b""
        except ConnectionResetError:
            out["eof"] = True
except socket.timeout:
    out["error"] = (out["error"] or "") + " recv: timeout"
except OSError as e:
    out["error"] = (out["error"] or "") + " recv: " + str(e)
out["elapsed"] = time.monotonic() - start
out["reply"] = buf.decode(errors="replace")
print(json.dumps(out), flush=True)
'''


def _user_env():
    return {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8'}


class Backend:
    """Backend - the "pasta" stand-in: listeners held by a process of @user

    @tcp, @udp: backend ports; each is bound on every address in @addrs
    (IPv4 and IPv6 separately, as pasta does). TCP answers
    "TAG tcp PORT from PEER"; UDP echoes "TAG udp PORT from PEER echo DATA".
    """
    _serial = 0

    def __init__(self, user, tcp=(), udp=(), addrs=('0.0.0.0', '::'),
                 log=None):
        Backend._serial += 1
        self.user = user
        self.tag = f'backend-{user.uid}-{Backend._serial}'
        listen = [[p, a, port] for p, ports in (('tcp', tcp), ('udp', udp))
                  for port in ports for a in addrs]
        spec = {'parent': os.getpid(), 'listen': listen, 'tag': self.tag}
        self.proc = _track(subprocess.Popen(
            [PYTHON, '-I', '-c', STANDIN_CODE, json.dumps(spec)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=log or subprocess.DEVNULL, env=_user_env(),
            **user.popen_kwargs()))
        self.pid = self.proc.pid
        self._pidfd = None
        ready, _, _ = select.select([self.proc.stdout], [], [], OP_TIMEOUT)
        line = self.proc.stdout.readline() if ready else b''
        if line.strip() != b'ready':
            stop_process(self.proc, signal.SIGKILL)
            raise TestFailure(f'backend stand-in for uid {user.uid} '
                              f'(tcp {list(tcp)}, udp {list(udp)}) '
                              f'did not start')

    def pidfd(self):
        """pidfd() - a pidfd on the stand-in (owned by this object)"""
        if self._pidfd is None:
            self._pidfd = os.pidfd_open(self.pid)
        return self._pidfd

    def alive(self):
        return self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL):
        """kill() - kill the stand-in and reap it"""
        stop_process(self.proc, sig)

    def close(self):
        self.kill()
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        if self.proc.stdout:
            self.proc.stdout.close()

    def says(self, text):
        """says() - did @text come from this backend?"""
        return text is not None and text.startswith(self.tag + ' ')

    def peer_of(self, text):
        """peer_of() - the source address this backend reported"""
        if not self.says(text):
            return None
        words = text.split()
        return words[words.index('from') + 1]


class ClientResult:
    """ClientResult - what one client saw

    @reply: parsed JSON reply (dict) or None; @raw: raw reply text;
    @eof: server closed the connection; @error: client-side error text;
    @elapsed: seconds from connect to end of reading
    """

    def __init__(self, out, stderr=''):
        self.raw = out.get('reply', '')
        self.eof = out.get('eof', False)
        self.error = out.get('error')
        self.elapsed = out.get('elapsed')
        self.stderr = stderr
        self.reply = None
        line = self.raw.split('\n', 1)[0]
        if line:
            try:
                self.reply = json.loads(line)
            except ValueError:
                self.reply = None

    def __repr__(self):
        return (f'ClientResult(raw={self.raw[:300]!r}, eof={self.eof}, '
                f'error={self.error!r}, elapsed={self.elapsed})')


class Client:
    """Client - one connection to lowportd from a process of @user

    Start it, optionally release() it (when @wait_go), then result().
    """

    def __init__(self, sock_path, user, data, fds=(), timeout=OP_TIMEOUT,
                 shut_wr=False, check_eof=0.0, wait_go=False):
        args = {'socket': sock_path, 'size': len(data), 'fds': list(fds),
                'timeout': timeout, 'shut_wr': shut_wr,
                'check_eof': check_eof, 'wait_go': wait_go}
        self.timeout = timeout
        self.proc = _track(subprocess.Popen(
            [PYTHON, '-I', '-c', CLIENT_CODE, json.dumps(args)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, pass_fds=tuple(fds), env=_user_env(),
            **user.popen_kwargs()))
        self.proc.stdin.write(data)  # read at once by the client
        self.proc.stdin.flush()
        if wait_go:
            ready, _, _ = select.select([self.proc.stdout], [], [],
                                        OP_TIMEOUT * 2)
            line = self.proc.stdout.readline() if ready else b''
            if line.strip() != b'waiting':
                stop_process(self.proc, signal.SIGKILL)
                raise TestFailure('client did not start')

    def go(self):
        self.proc.stdin.write(b'go\n')
        self.proc.stdin.flush()

    def result(self):
        try:
            out, err = self.proc.communicate(
                timeout=self.timeout * 2 + OP_TIMEOUT)
        except subprocess.TimeoutExpired:
            stop_process(self.proc, signal.SIGKILL)
            raise TestFailure('client process hung')
        try:
            parsed = json.loads(out.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise TestFailure(f'client failed: rc={self.proc.returncode} '
                              f'stdout={out[:500]!r} stderr={err[:500]!r}')
        return ClientResult(parsed, err.decode(errors='replace'))


# ------------------------------------------------------------ replies


def mapping(proto, host_port, backend_port, rng=1, addr=''):
    """mapping() - one wire mapping"""
    return {'proto': proto, 'host_addr': addr, 'host_port': host_port,
            'backend_port': backend_port, 'range': rng}


def expect_ok(res, what='request'):
    """expect_ok() - @res (ClientResult) is a successful reply

    Return: the reply dict
    """
    r = res.reply
    check(r is not None, f'{what}: no JSON reply: {res!r}')
    check(r.get('version') == 1, f'{what}: reply version is not 1: {r!r}')
    check(r.get('ok') is True, f'{what}: refused: {r!r}')
    return r


def expect_error(res, code, message=None, prefix=None, what='request'):
    """expect_error() - @res is a refusal with @code and exact @message"""
    r = res.reply
    check(r is not None, f'{what}: no JSON reply: {res!r}')
    check(r.get('version') == 1, f'{what}: reply version is not 1: {r!r}')
    check(r.get('ok') is False, f'{what}: expected refusal, got {r!r}')
    err = r.get('error') or {}
    eq(err.get('code'), code, f'{what}: error code ({r!r})')
    if message is not None:
        eq(err.get('message'), message, f'{what}: error message')
    if prefix is not None:
        msg = err.get('message') or ''
        check(msg.startswith(prefix),
              f'{what}: message {msg!r} does not start with {prefix!r}')
    check('\n' not in (err.get('message') or ''),
          f'{what}: message is not one line')
    return r


def request_bytes(obj):
    return (json.dumps(obj) + '\n').encode()


# ------------------------------------------------------------ nftables (read only)


def nft_table_json():
    """nft_table_json() - table inet lowport as nft JSON objects

    Return: list of objects (metainfo dropped), None if there is no table
    """
    res = run(['nft', '-j', 'list', 'table', *TABLE], check_rc=False)
    if res.returncode != 0:
        return None
    objs = json.loads(res.stdout)['nftables']
    return [o for o in objs if 'metainfo' not in o]


def nft_table_exists():
    """nft_table_exists() - does table inet lowport exist?

    Not by nft_table_json(): nft 1.0.6 (Debian 12) prints a table flag it
    has no name for (persist, on a table lowportd left behind) by reading
    past its name list, which may cut its JSON output short.
    """
    return run(['nft', 'list', 'table', *TABLE],
               check_rc=False).returncode == 0


def nft_text(*what):
    """nft_text() - `nft list ...` text output, '' if it fails"""
    res = run(['nft', 'list', *what], check_rc=False)
    return res.stdout if res.returncode == 0 else ''


def nft_chains():
    objs = nft_table_json() or []
    return {o['chain']['name']: o['chain'] for o in objs if 'chain' in o}


def nft_maps():
    objs = nft_table_json() or []
    return {o['map']['name']: o['map'] for o in objs if 'map' in o}


def lease_ids_in_text(text):
    """lease_ids_in_text() - lease IDs named in `nft list` text @text

    Both layouts count: a chain lease-<ID> or a comment lease=<ID>.
    """
    return set(re.findall(r'lease[-=]([0-9A-Za-z_]+)', text or ''))


class Elem(collections.namedtuple('Elem', 'map key value comment')):
    """Elem - one element of a data map of table inet lowport

    @map: map name; @key: tuple of the key's parts (as nft -j prints them:
    addresses and protocols as strings, ports as numbers); @value: data
    (the backend port); @comment: element comment or None
    """

    @property
    def lease(self):
        """lease - the lease=<ID> of the comment, or None"""
        m = _LEASE_COMMENT.match(self.comment or '')
        return m.group(1) if m else None

    @property
    def uid(self):
        """uid - the uid=<UID> of the comment (int), or None"""
        m = _LEASE_COMMENT.match(self.comment or '')
        return int(m.group(2)) if m else None


_LEASE_COMMENT = re.compile(r'^lease=([0-9A-Za-z_]+) uid=([0-9]+)$')


def lease_comment(lease_id, uid):
    """lease_comment() - the comment lowportd puts on a lease's elements"""
    return f'lease={lease_id} uid={uid}'


def _hashable(value):
    """_hashable() - @value, or its JSON text if it is a list or dict"""
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return value


def _elem_parts(entry):
    """_elem_parts() - (key, comment, value) of one entry of a map's "elem"

    nft -j prints a map element as [KEY, VALUE]; KEY is {"concat": [...]}
    or a scalar, wrapped in {"elem": {"val": KEY, "comment": ...}} when
    the element has a comment (or a timeout, expiry...). A set-style
    {"elem": ...} entry without a value gets value None.
    """
    value = None
    if isinstance(entry, list) and len(entry) == 2:
        entry, value = entry
    comment = None
    if isinstance(entry, dict) and isinstance(entry.get('elem'), dict):
        comment = entry['elem'].get('comment')
        entry = entry['elem'].get('val')
    if isinstance(entry, dict) and isinstance(entry.get('concat'), list):
        key = tuple(_hashable(x) for x in entry['concat'])
    else:
        key = (_hashable(entry),)
    return key, comment, _hashable(value)


def nft_elements(objs=None):
    """nft_elements() - every element of every map of table inet lowport

    @objs: nft_table_json() output, read now if None
    Return: list of Elem, sorted
    """
    if objs is None:
        objs = nft_table_json() or []
    elems = []
    for o in objs:
        m = o.get('map')
        if not m:
            continue
        for entry in m.get('elem') or []:
            key, comment, value = _elem_parts(entry)
            elems.append(Elem(m['name'], key, value, comment))
    return sorted(elems, key=lambda e: json.dumps(e, default=str))


def nft_lease_ids():
    """nft_lease_ids() - IDs named by lease=<ID> element comments"""
    return {e.lease for e in nft_elements() if e.lease}


def nft_lease_elements(lease_id, objs=None):
    """nft_lease_elements() - the elements of lease @lease_id, sorted

    This is the lease's whole footprint in the table, so it also serves as
    its fingerprint: equal before and after means untouched (elements have
    no handles; re-adding the same element is indistinguishable, but the
    maps' and rules' handles in nft_skeleton() tell a rebuilt table).
    """
    return [e for e in nft_elements(objs) if e.lease == lease_id]


def nft_skeleton(objs=None):
    """nft_skeleton() - the fixed part of the table, with handles

    Table, maps (type, handle), chains (hook, priority, handle) and rules
    (handle, expr), without map elements. Equal before and after means
    that nothing was deleted and recreated.
    Return: list of nft JSON objects (compare with nft_diff()), None if
    there is no table
    """
    if objs is None:
        objs = nft_table_json()
        if objs is None:
            return None
    return [{'map': {k: v for k, v in o['map'].items() if k != 'elem'}}
            if 'map' in o else o for o in objs]


def nft_rules(chain):
    """nft_rules() - rules of @chain: list of dicts (handle, comment, expr)"""
    objs = nft_table_json() or []
    return [o['rule'] for o in objs
            if 'rule' in o and o['rule']['chain'] == chain]


def nft_rule_lines(chain):
    """nft_rule_lines() - the rules of @chain as `nft list chain` prints
    them, one string each, without handles; None if there is no chain"""
    res = run(['nft', 'list', 'chain', *TABLE, chain], check_rc=False)
    if res.returncode != 0:
        return None
    lines = []
    for line in res.stdout.splitlines():
        line = line.strip()
        if (not line or line == '}' or line.startswith('#') or
                line.startswith(('table ', 'chain ', 'type ', 'flags '))):
            continue
        lines.append(line)
    return lines


def nft_diff(before, after, limit=12):
    """nft_diff() - short text of objects only in @before / only in @after

    Either may be None (no table). Return: '' if they are equal
    """
    if before == after:
        return ''
    if before is None or after is None:
        return f'table {"appeared" if before is None else "disappeared"}'
    a = [json.dumps(o, sort_keys=True) for o in before]
    b = [json.dumps(o, sort_keys=True) for o in after]
    lines = [f'- {x}' for x in a if x not in b]
    lines += [f'+ {x}' for x in b if x not in a]
    if len(lines) > limit:
        lines = lines[:limit] + [f'... {len(lines) - limit} more']
    return '\n'.join(lines) or 'same objects, different order'


def expect_table(before, what):
    """expect_table() - table inet lowport is exactly @before"""
    diff = nft_diff(before, nft_table_json())
    if diff:
        raise TestFailure(f'{what}: table inet lowport changed:\n{diff}')


# ------------------------------------------------------------ daemon

_envs = []  # live Env objects, for diagnostics


class Env:
    """Env - one lowportd instance with its own files

    Use as a context manager in a test, or with shared=True for a daemon
    that lives across tests of a script (closed at the end of main()).
    """

    def __init__(self, policy=None, table_owner='auto', request_timeout=None,
                 max_clients=None, start=True, shared=False):
        self.dir = tempfile.mkdtemp(prefix='lptest-')
        os.chmod(self.dir, 0o755)
        self.socket = os.path.join(self.dir, 'lowportd.sock')
        self.config = os.path.join(self.dir, 'lowport.conf')
        self.state = os.path.join(self.dir, 'state')
        self.log_path = os.path.join(self.dir, 'lowportd.log')
        self.netns_path = os.path.join(self.dir, 'netns')
        os.mkdir(self.state, 0o755)
        open(self.netns_path, 'w').close()
        self.request_timeout = request_timeout
        self.max_clients = max_clients
        self.shared = shared
        self.daemon = None
        self.daemon_killed = False
        self.backends = []
        self.servers = []
        self.log_mark_at_test = 0
        self.problems = []
        self.closed = False
        self.write_policy(policy if policy is not None else
                          DEFAULT_POLICY.format(table_owner=table_owner))
        self.log = open(self.log_path, 'ab')
        _envs.append(self)
        if start:
            self.start()

    # --- files

    def write_policy(self, text):
        tmp = self.config + '.tmp'
        with open(tmp, 'w') as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.rename(tmp, self.config)

    def log_text(self, since=0):
        with open(self.log_path, 'rb') as f:
            f.seek(since)
            return f.read().decode(errors='replace')

    def log_size(self):
        return os.path.getsize(self.log_path)

    # --- daemon lifetime

    def argv(self):
        lowportd = os.environ.get('LOWPORTD')
        if not lowportd:
            raise TestFailure('LOWPORTD is not set')
        argv = ['setpriv', '--pdeathsig', 'KILL', '--', lowportd,
                '--socket', self.socket, '--config', self.config,
                '--state-dir', self.state, '--foreground']
        if self.request_timeout is not None:
            argv += ['--request-timeout', str(self.request_timeout)]
        if self.max_clients is not None:
            argv += ['--max-clients', str(self.max_clients)]
        return argv

    def start(self):
        """start() - start lowportd, wait until its socket accepts"""
        check(self.daemon is None or self.daemon.poll() is not None,
              'lowportd already running')
        self.log.write(f'--- lptest: starting lowportd at {time.time():.3f}\n'
                       .encode())
        self.log.flush()
        self.daemon = _track(subprocess.Popen(
            self.argv(), stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=self.log, env=dict(os.environ)))
        self.daemon_killed = False

        def ready():
            if self.daemon.poll() is not None:
                return 'exited'
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(1.0)
                    s.connect(self.socket)
                    return 'ready'
            except OSError:
                return None
        state = wait_until(ready, OP_TIMEOUT)
        if state != 'ready':
            raise TestFailure(f'lowportd did not become ready ({state}, '
                              f'rc={self.daemon.poll()})')
        return self.daemon.pid

    def alive(self):
        return self.daemon is not None and self.daemon.poll() is None

    def signal(self, sig):
        os.kill(self.daemon.pid, sig)

    def kill9(self):
        """kill9() - kill -9 lowportd (leaves its state and table behind)"""
        self.daemon_killed = True
        stop_process(self.daemon, signal.SIGKILL)

    def stop(self):
        """stop() - SIGTERM lowportd; return its exit status"""
        if self.daemon is None:
            return None
        was_alive = self.daemon.poll() is None
        if not was_alive and not self.daemon_killed:
            self.problems.append(
                f'lowportd died during the test (rc={self.daemon.returncode})')
        self.daemon_killed = True
        rc = stop_process(self.daemon, signal.SIGTERM, 5.0)
        if was_alive and rc not in (0, -signal.SIGTERM):
            info(f'lowportd exited with {rc} on SIGTERM')
        return rc

    # --- helpers bound to this daemon

    def backend(self, user, tcp=(), udp=(), addrs=('0.0.0.0', '::')):
        b = Backend(user, tcp, udp, addrs, log=self.log)
        self.backends.append(b)
        return b

    def server(self, addr, port, payload, ns=None):
        s = TcpServer(addr, port, payload, ns)
        self.servers.append(s)
        return s

    def client(self, user, data, pidfd_of=None, **kw):
        fds = [pidfd_of.pidfd()] if pidfd_of is not None else []
        return Client(self.socket, user, data, fds=fds, **kw)

    def send(self, user, obj, pidfd_of=None, **kw):
        """send() - one request as @user; return ClientResult"""
        return self.client(user, request_bytes(obj), pidfd_of, **kw).result()

    def forward(self, user, mappings, backend, pidfd_of='backend',
                netns=None, extra=None):
        """forward() - forward request as @user with @backend's pidfd;
        @extra: more members of the request (front, retry)"""
        if pidfd_of == 'backend':
            pidfd_of = backend
        obj = {'version': 1, 'op': 'forward',
               'netns': netns or self.netns_path, 'mappings': mappings}
        obj.update(extra or {})
        return self.send(user, obj, pidfd_of)

    def lease(self, user, mappings, backend):
        """lease() - forward that must succeed; return the lease ID"""
        r = expect_ok(self.forward(user, mappings, backend), 'forward')
        lease_id = (r.get('lease') or {}).get('id')
        check(isinstance(lease_id, str) and lease_id,
              f'forward reply carries no lease id: {r!r}')
        return lease_id

    def list(self, user=ROOT):
        r = expect_ok(self.send(user, {'version': 1, 'op': 'list'}), 'list')
        leases = r.get('leases')
        check(isinstance(leases, list), f'list reply has no leases: {r!r}')
        return leases

    def lease_ids(self, user=ROOT):
        return {lease.get('id') for lease in self.list(user)}

    def status(self, user=ROOT):
        r = expect_ok(self.send(user, {'version': 1, 'op': 'status'}),
                      'status')
        check(isinstance(r.get('status'), dict),
              f'status reply has no status: {r!r}')
        return r['status']

    def release(self, user, lease_id):
        return self.send(user, {'version': 1, 'op': 'release',
                                'id': lease_id})

    def ctl(self, user, *args, timeout=OP_TIMEOUT):
        """ctl() - run $LOWPORTCTL --socket S ARGS as @user"""
        env = _user_env()
        env['LOWPORT_SOCKET'] = self.socket
        return subprocess.run(
            [os.environ['LOWPORTCTL'], '--socket', self.socket, *args],
            capture_output=True, text=True, timeout=timeout, env=env,
            **user.popen_kwargs())

    # --- teardown

    def sanitizer_report(self):
        text = self.log_text()
        for marker in ('ERROR: AddressSanitizer', 'ERROR: LeakSanitizer',
                       'runtime error:', 'ERROR: UndefinedBehaviorSanitizer'):
            if marker in text:
                return marker
        return None

    def close(self):
        """close() - stop everything; return a list of problems found"""
        if self.closed:
            return self.problems
        self.closed = True
        for s in self.servers:
            s.close()
        self.servers = []
        for b in self.backends:
            b.close()
        self.backends = []
        self.stop()
        marker = self.sanitizer_report()
        if marker:
            self.problems.append(f'lowportd log has a sanitizer report '
                                 f'({marker})')
        if nft_table_exists():
            # our own namespace: reset it for the next test
            run(['nft', 'delete', 'table', *TABLE], check_rc=False)
        self.log.close()
        return self.problems

    def remove(self):
        if self in _envs:
            _envs.remove(self)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        problems = self.close()
        if problems and exc[0] is None:
            raise TestFailure('; '.join(problems))


# ------------------------------------------------------------ reused checks


def lowportctl_or_skip():
    """lowportctl_or_skip() - skip unless the real lowportctl is built"""
    path = os.environ.get('LOWPORTCTL')
    if not path or not os.access(path, os.X_OK):
        skip('LOWPORTCTL is not built')
    res = subprocess.run([path, '--help'], capture_output=True, text=True,
                         timeout=OP_TIMEOUT)
    if res.returncode != 0 and not (res.stdout + res.stderr).strip():
        skip('lowportctl is still the bootstrap placeholder')
    return path


def redirected_to(backend, port, addr='127.0.0.1', ns=None):
    """redirected_to() - does a TCP connection to @addr:@port reach
    @backend? Return the text it answered, or None"""
    text = tcp_get(addr, port, ns)
    return text if backend.says(text) else None


# ------------------------------------------------------------ TAP runner

TESTS = []


def test(name):
    """test() - decorator: register a test function under @name"""
    def wrap(fn):
        TESTS.append((name, fn))
        return fn
    return wrap


class _Timeout(Exception):
    pass


def _on_alarm(_sig, _frame):
    raise _Timeout(f'test did not finish within {TEST_TIMEOUT} s')


def _on_term(_sig, _frame):
    raise SystemExit(1)


def _diag(text):
    for line in text.rstrip('\n').splitlines():
        print(f'#   {line}', flush=True)


def _print_logs():
    for env in list(_envs):
        text = env.log_text(env.log_mark_at_test)
        lines = text.splitlines()
        if len(lines) > 80:
            lines = [f'... ({len(lines) - 80} earlier lines)'] + lines[-80:]
        print(f'# lowportd log ({env.log_path}):', flush=True)
        _diag('\n'.join(lines) or '(empty)')


def _where(exc):
    """_where() - the innermost test-script line of @exc's traceback"""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.basename(f.filename) != 'lptest.py']
    if not frames:
        return ''
    f = frames[-1]
    return f'at {os.path.basename(f.filename)}:{f.lineno}: {f.line}'


def _run_one(num, name, fn):
    for env in _envs:
        env.log_mark_at_test = env.log_size()
    status, detail = 'ok', None
    signal.alarm(TEST_TIMEOUT)
    try:
        fn()
    except Skip as e:
        status, detail = 'skip', str(e)
    except (TestFailure, _Timeout) as e:
        status, detail = 'fail', str(e) + '\n' + _where(e)
    except Exception:
        status, detail = 'fail', traceback.format_exc()
    finally:
        signal.alarm(0)
    for env in [e for e in _envs if not e.shared]:
        problems = env.close()
        if problems and status == 'ok':
            status, detail = 'fail', '; '.join(problems)
    if status == 'ok':
        print(f'ok {num} - {name}', flush=True)
    elif status == 'skip':
        print(f'ok {num} - {name} # SKIP {detail}', flush=True)
    else:
        print(f'not ok {num} - {name}', flush=True)
        _diag(detail)
        _print_logs()
    for env in [e for e in _envs if not e.shared]:
        env.remove()
    stop_all_processes_except_shared()
    return status != 'fail'


def stop_all_processes_except_shared():
    keep = set()
    for env in _envs:
        if env.shared:
            if env.daemon:
                keep.add(env.daemon.pid)
            keep.update(b.pid for b in env.backends)
    for proc in list(_procs):
        if proc.pid in keep:
            continue
        _procs.remove(proc)
        stop_process(proc, signal.SIGKILL, 2.0)


def _final_cleanup():
    for env in list(_envs):
        try:
            env.close()
        finally:
            env.remove()
    stop_all_processes()


def main(tests=None):
    """main() - enter namespaces, run @tests (default: registered), TAP"""
    tests = TESTS if tests is None else tests
    if os.geteuid() != 0:
        print('1..0 # SKIP needs root (runs as root in CI)', flush=True)
        sys.exit(0)
    if os.environ.get(NS_MARKER) != '1':
        _reexec_in_namespaces()
    _assert_isolated()
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGALRM, _on_alarm)
    atexit.register(_final_cleanup)
    try:
        _setup_network()
    except Exception as e:
        print(f'Bail out! namespace setup failed: {e}', flush=True)
        sys.exit(1)
    print(f'1..{len(tests)}', flush=True)
    failed = 0
    try:
        for num, (name, fn) in enumerate(tests, 1):
            if not _run_one(num, name, fn):
                failed += 1
    finally:
        _final_cleanup()
    sys.exit(1 if failed else 0)
