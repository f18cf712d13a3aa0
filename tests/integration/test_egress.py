# SPDX-License-Identifier: GPL-2.0-or-later
"""test_egress.py - the lowport-egress OCI hook against real traffic, no Podman

The lptest namespace plays the host (it runs the hook, as an OCI runtime
would). A namespace "lp-ctr" plays the container: a process sleeping in it
is the container's process whose pid goes into the OCI state. lp-ctr is
joined to lp-peer, the outside, by a second veth pair; lp-peer holds two
addresses per family, a web server on each and a small DNS server that
answers web.test:

  lp-ctr  198.51.100.1   2001:db8:2::1    (the container)
  lp-peer 198.51.100.2   2001:db8:2::2    web "first" on :80, :81
          198.51.100.3   2001:db8:2::3    web "second" on :80
          198.51.100.53                   DNS: web.test -> .3 / ::3

Each test writes a bundle (config.json with the annotation and a bind
mount for /etc/resolv.conf) and feeds the hook a synthetic OCI state.

The hook refuses to filter the initial network namespace (PID 1's), so
the lptest namespace is made a fake host: a PID namespace with its own
/proc whose PID 1 lives in it. Container processes and the hook run in
that PID namespace, and state PIDs are PIDs as its /proc shows them.

Copyright lowport authors
"""

import atexit
import errno
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
import lptest as lp  # noqa: E402
from lptest import PEER_NS, check, eq, in_netns, tcp_get, test  # noqa: E402

CTR_NS = 'lp-ctr'
CTR4, CTR6 = '198.51.100.1', '2001:db8:2::1'
OUT4 = ['198.51.100.2', '198.51.100.3']
OUT6 = ['2001:db8:2::2', '2001:db8:2::3']
DNS4 = '198.51.100.53'
TABLE = 'lowport_egress'
HOOK = os.environ.get('LOWPORT_EGRESS', '')
FAST = 1.0  # a rejected connection fails within this many seconds
# A datagram the output chain rejects fails its send() at once: the packet
# is dropped on the local output path (the ICMP error goes out as well)
UDP_REJECTED = 'EPERM'

_setup_done = False
_servers = []
_fake_init = None  # PID (ours) of the fake host's PID 1
_tmpdirs = []  # removed at exit


def mkdtemp(prefix):
    """mkdtemp() - a temporary directory removed when the run ends"""
    d = tempfile.mkdtemp(prefix=prefix)
    if not _tmpdirs:
        atexit.register(lambda: [shutil.rmtree(x, ignore_errors=True)
                                 for x in _tmpdirs])
    _tmpdirs.append(d)
    return d


# ------------------------------------------------------------ DNS


def _dns_name(data, off):
    labels = []
    while off < len(data) and data[off]:
        n = data[off]
        labels.append(data[off + 1:off + 1 + n].decode('ascii', 'replace'))
        off += 1 + n
    return '.'.join(labels).lower(), off + 1


class DnsServer:
    """DnsServer - answers A/AAAA queries from @records over UDP, NXDOMAIN
    for names it does not know"""

    def __init__(self, addr, records, ns):
        self.records = records
        self.sock = in_netns(ns, lp._listen_socket, addr, 53,
                             socket.SOCK_DGRAM)
        self.sock.settimeout(0.1)
        self.queries = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _answer(self, data):
        name, off = _dns_name(data, 12)
        qtype, = struct.unpack('>H', data[off:off + 2])
        self.queries.append((name, qtype))
        known = self.records.get(name)
        answers = [a for t, a in (known or []) if t == qtype]
        flags = 0x8180 | (0 if known is not None else 3)
        out = data[:2] + struct.pack('>HHHHH', flags, 1, len(answers), 0, 0)
        out += data[12:off + 4]
        for a in answers:
            out += b'\xc0\x0c' + struct.pack('>HHIH', qtype, 1, 60, len(a)) + a
        return out

    def _serve(self):
        while not self._stop:
            try:
                data, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self.sock.sendto(self._answer(data), peer)
            except (OSError, struct.error, IndexError):
                pass

    def close(self):
        self._stop = True
        self._thread.join(2.0)
        self.sock.close()


# ------------------------------------------------------------ setup


def setup():
    """setup() - lp-ctr, its link to lp-peer, servers (once per run)"""
    global _setup_done
    if _setup_done:
        return
    if not HOOK or not os.access(HOOK, os.X_OK):
        lp.skip('LOWPORT_EGRESS does not name the built hook')
    cmds = [
        ['ip', 'netns', 'add', CTR_NS],
        ['ip', '-n', CTR_NS, 'link', 'set', 'lo', 'up'],
        ['ip', 'link', 'add', 'lp-c', 'netns', CTR_NS, 'type', 'veth',
         'peer', 'name', 'lp-o', 'netns', PEER_NS],
        ['ip', '-n', CTR_NS, 'addr', 'add', f'{CTR4}/24', 'dev', 'lp-c'],
        ['ip', '-n', CTR_NS, '-6', 'addr', 'add', f'{CTR6}/64', 'dev', 'lp-c',
         'nodad'],
        ['ip', '-n', CTR_NS, 'link', 'set', 'lp-c', 'up'],
        ['ip', '-n', PEER_NS, 'link', 'set', 'lp-o', 'up'],
    ]
    for a in OUT4 + [DNS4]:
        cmds.append(['ip', '-n', PEER_NS, 'addr', 'add', f'{a}/24', 'dev',
                     'lp-o'])
    for a in OUT6:
        cmds.append(['ip', '-n', PEER_NS, '-6', 'addr', 'add', f'{a}/64',
                     'dev', 'lp-o', 'nodad'])
    for argv in cmds:
        lp.run(argv)
    _start_fake_host()
    for name, addrs in (('first', (OUT4[0], OUT6[0])),
                        ('second', (OUT4[1], OUT6[1]))):
        for a in addrs:
            _servers.append(lp.TcpServer(a, 80, name, ns=PEER_NS))
    _servers.append(lp.TcpServer(OUT4[0], 81, 'first-81', ns=PEER_NS))
    v6 = lambda a: socket.inet_pton(socket.AF_INET6, a)  # noqa: E731
    records = {'web.test': [(1, socket.inet_aton(OUT4[1])),
                            (28, v6(OUT6[1]))],
               # answers a name may not have (test_dns_only)
               'lo.test': [(1, socket.inet_aton('127.0.0.1'))],
               'pasta-host.test': [(1, socket.inet_aton('169.254.1.2'))],
               'll6.test': [(28, v6('fe80::1'))],
               'lo6.test': [(28, v6('::1'))],
               'mapped.test': [(28, v6('::ffff:127.0.0.1'))],
               'mixed.test': [(1, socket.inet_aton(OUT4[1])),
                              (28, v6('fe80::2'))]}
    _servers.append(DnsServer(DNS4, records, PEER_NS))
    check(lp.wait_until(lambda: tcp_get(OUT4[0], 80, ns=CTR_NS)),
          'lp-ctr cannot reach lp-peer before any filter')
    check(lp.wait_until(lambda: tcp_get(OUT6[0], 80, ns=CTR_NS)),
          'lp-ctr cannot reach lp-peer over IPv6 before any filter')
    _setup_done = True


def _children(pid):
    with open(f'/proc/{pid}/task/{pid}/children') as f:
        return [int(x) for x in f.read().split()]


def _start_fake_host():
    """_start_fake_host() - a PID namespace with its own /proc, PID 1 in
    the lptest namespace, as the host is to a real runtime"""
    global _fake_init
    # not lp._track()ed: it lives for the whole run; its PID 1 dies with it
    proc = subprocess.Popen(
        ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child',
         'sleep', '100000'])
    atexit.register(proc.kill)
    check(lp.wait_until(lambda: _children(proc.pid)),
          'fake host PID 1 did not start')
    _fake_init = _children(proc.pid)[0]
    # the fake host's /etc/hosts knows a name the DNS does not (only in
    # its private mount namespace)
    hosts = os.path.join(mkdtemp('lp-egress-hosts-'),
                         'hosts')
    with open(hosts, 'w') as f:
        f.write(f'127.0.0.1 localhost\n{OUT4[1]} hostsonly.test\n')
    lp.run(in_fake_host(['mount', '--bind', hosts, '/etc/hosts']))


def in_fake_host(argv, net=None):
    """in_fake_host() - @argv run in the fake host's PID and mount
    namespaces, in network namespace file @net if given"""
    return (['nsenter', '-t', str(_fake_init), '-p', '-m'] +
            ([f'--net={net}'] if net else []) + argv)


def nft_ctr(*args, check_rc=True):
    return lp.run(['ip', 'netns', 'exec', CTR_NS, 'nft', *args],
                  check_rc=check_rc)


def reset():
    """reset() - no table in lp-ctr"""
    setup()
    nft_ctr('delete', 'table', 'inet', TABLE, check_rc=False)
    # a failed test may have left one where it must never be
    lp.run(['nft', 'delete', 'table', 'inet', TABLE], check_rc=False)
    lp.run(['ip', 'netns', 'exec', PEER_NS, 'nft', 'delete', 'table', 'inet',
            TABLE], check_rc=False)
    check(nft_ctr('list', 'tables').stdout.strip() == '',
          'lp-ctr still has tables')


class Container:
    """Container - a process in lp-ctr and a bundle describing it"""

    def __init__(self, egress, resolv=f'nameserver {DNS4}\n', netns=True,
                 ns=CTR_NS, join=True, caps=None):
        self.dir = mkdtemp('lp-egress-')
        self.ns = ns
        self.proc = lp._track(subprocess.Popen(
            in_fake_host(['sh', '-c', 'echo $$; exec sleep 600'],
                         net=f'/run/netns/{ns}'),
            stdout=subprocess.PIPE, text=True))
        # the PID the fake host's /proc shows, and ours
        self.pid = int(self.proc.stdout.readline())
        check(lp.wait_until(lambda: _children(self.proc.pid)),
              'container process did not start')
        self.real_pid = _children(self.proc.pid)[0]
        check(lp.wait_until(self._in_ctr), f'container process not in {ns}')
        config = {'ociVersion': '1.0.2', 'root': {'path': 'rootfs'},
                  'mounts': [], 'annotations': {},
                  'linux': {'namespaces': [{'type': 'pid'},
                                           {'type': 'mount'}]}}
        # @join: the namespace is joined by path (Podman's pasta and pod
        # containers), else the runtime makes it
        if netns:
            config['linux']['namespaces'].append(
                {'type': 'network', 'path': f'/run/netns/{ns}'} if join
                else {'type': 'network'})
        if resolv is not None:
            path = os.path.join(self.dir, 'resolv.conf')
            with open(path, 'w') as f:
                f.write(resolv)
            config['mounts'].append({'destination': '/etc/resolv.conf',
                                     'type': 'bind', 'source': path,
                                     'options': ['bind', 'ro']})
        if egress is not None:
            config['annotations']['io.lowport.egress'] = egress
        # Podman's default set, or @caps added to each set
        default = ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID']
        config['process'] = {'capabilities': {
            k: default + (caps or {}).get(k, [])
            for k in ('bounding', 'effective', 'permitted', 'inheritable',
                      'ambient')}}
        with open(os.path.join(self.dir, 'config.json'), 'w') as f:
            json.dump(config, f)

    def _in_ctr(self):
        try:
            return (lp.netns_id(f'/proc/{self.real_pid}/ns/net') ==
                    lp.netns_id(f'/run/netns/{self.ns}'))
        except OSError:
            return False

    def state(self, pid=None):
        return json.dumps({'ociVersion': '1.0.2', 'id': 'c0ffee' * 10,
                           'status': 'created',
                           'pid': self.pid if pid is None else pid,
                           'bundle': self.dir})

    def hook(self, state=None, inside=False):
        """hook() - run the hook as the runtime would; return the result

        @inside: like crun, in the container's network namespace with
        pid 0 in the state
        """
        argv = in_fake_host([HOOK],
                            net=f'/run/netns/{CTR_NS}' if inside else None)
        if inside and state is None:
            state = self.state(pid=0)
        return subprocess.run(argv, input=state or self.state(),
                              capture_output=True, text=True, timeout=30)

    def apply(self):
        res = self.hook()
        check(res.returncode == 0,
              f'hook failed ({res.returncode}): {res.stderr.strip()}')
        eq(res.stderr, '', 'hook stderr on success')
        return res


def _connect(addr, port, kind):
    """_connect() - in the caller's netns: TCP connect, or a UDP exchange

    Return: ('ok', data) or ('err', errno name), and the seconds it took
    """
    t0 = time.monotonic()
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    with socket.socket(fam, kind) as s:
        s.settimeout(5.0)
        try:
            s.connect((addr, port))
            if kind == socket.SOCK_DGRAM:
                s.send(b'x')
            data = s.recv(64)
            return ('ok', data), time.monotonic() - t0
        except socket.timeout:
            return ('err', 'timeout'), time.monotonic() - t0
        except OSError as e:
            return ('err', errno.errorcode.get(e.errno, str(e.errno))), \
                time.monotonic() - t0


def dns_query(name):
    """dns_query() - ask DNS4 for @name's A record from the caller's netns

    Return: the number of answers, None if no reply came
    """
    q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0)
    q += b''.join(bytes([len(x)]) + x.encode() for x in name.split('.'))
    q += b'\0' + struct.pack('>HH', 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2.0)
        try:
            s.connect((DNS4, 53))
            s.send(q)
            return struct.unpack('>H', s.recv(512)[6:8])[0]
        except OSError:
            return None


def ctr_connect(addr, port, kind=socket.SOCK_STREAM):
    return in_netns(CTR_NS, _connect, addr, port, kind, timeout=15)


def expect_refused(addr, port, kind=socket.SOCK_STREAM, want='ECONNREFUSED'):
    (what, detail), took = ctr_connect(addr, port, kind)
    eq((what, detail), ('err', want), f'connection to {addr}:{port}')
    check(took < FAST, f'rejection of {addr}:{port} took {took:.2f} s')


def expect_page(addr, port, payload):
    got = tcp_get(addr, port, ns=CTR_NS)
    check(got is not None and got.startswith(payload),
          f'{addr}:{port} from the container: got {got!r}, want {payload!r}')


def expect_no_table(res, message):
    check(res.returncode == 1, f'hook exit status {res.returncode}, want 1')
    lines = res.stderr.splitlines()
    eq(len(lines), 1, f'hook stderr lines ({res.stderr!r})')
    check(lines[0].startswith('lowport-egress: ') and message in lines[0],
          f'hook said {lines[0]!r}, want {message!r}')
    eq(nft_ctr('list', 'tables').stdout.strip(), '', 'tables in lp-ctr')


# ------------------------------------------------------------ tests


@test('one allowed address: allowed passes, everything else is refused at once')
def test_allowed_v4():
    reset()
    Container('198.51.100.2:80/tcp').apply()
    expect_page(OUT4[0], 80, 'first')
    expect_refused(OUT4[1], 80)
    expect_refused(OUT4[0], 81)
    expect_refused(OUT6[0], 80)
    (what, detail), took = ctr_connect(OUT4[0], 53, socket.SOCK_DGRAM)
    eq(what, 'err', 'UDP to an address allowed for TCP only')
    eq(detail, UDP_REJECTED, 'UDP rejection')
    check(took < FAST, f'UDP rejection took {took:.2f} s')
    out = nft_ctr('list', 'table', 'inet', TABLE).stdout
    lp.info(out)
    check('ip daddr @v4_tcp_80 tcp dport 80 accept' in out,
          'allow rule not listed')
    tcp_reject = [x for x in out.splitlines() if 'tcp reset' in x]
    check(len(tcp_reject) == 1 and 'packets 0 ' not in tcp_reject[0],
          f'TCP reject counter did not count: {tcp_reject}')


@test('loopback and replies to inbound connections keep working')
def test_loopback_established():
    reset()
    Container('none').apply()
    srv = lp.TcpServer('127.0.0.1', 8080, 'lo', ns=CTR_NS)
    srv6 = lp.TcpServer(CTR4, 8081, 'inbound', ns=CTR_NS)
    try:
        expect_page('127.0.0.1', 8080, 'lo')
        got = tcp_get(CTR4, 8081, ns=PEER_NS)
        check(got is not None and got.startswith('inbound'),
              f'inbound connection from the outside got {got!r}')
    finally:
        srv.close()
        srv6.close()
    expect_refused(OUT4[0], 80)
    expect_refused(OUT6[0], 80)


@test('IPv6 entries: bracket form with a port, a bare block')
def test_allowed_v6():
    reset()
    Container(f'[{OUT6[0]}]:80/tcp').apply()
    expect_page(OUT6[0], 80, 'first')
    expect_refused(OUT6[1], 80)
    expect_refused(OUT4[0], 80)
    reset()
    Container('2001:db8:2::/64').apply()
    expect_page(OUT6[0], 80, 'first')
    expect_page(OUT6[1], 80, 'second')
    expect_refused(OUT4[1], 80)


def _icmp6_send(dst, icmp_type, hops):
    """_icmp6_send() - in the caller's netns: send one ICMPv6 message of
    @icmp_type with hop limit @hops to @dst (a multicast one out of lp-c)

    Return: 'ok' or the errno name
    """
    msg = struct.pack('>BBHI', icmp_type, 0, 0, 0)
    msg += socket.inet_pton(socket.AF_INET6, OUT6[0])
    with socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                       socket.IPPROTO_ICMPV6) as s:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, hops)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, hops)
        try:
            s.sendto(msg, (dst, 0, 0, socket.if_nametoindex('lp-c')))
            return 'ok'
        except OSError as e:
            return errno.errorcode.get(e.errno, str(e.errno))


@test('neighbour discovery passes on the link only, with hop limit 255')
def test_nd_link_only():
    reset()
    Container('198.51.100.2:80/tcp').apply()
    out = lp.run(['ip', '-n', PEER_NS, '-6', '-o', 'addr', 'show', 'dev',
                  'lp-o', 'scope', 'link']).stdout
    peer_ll = re.search(r'inet6 (fe80::[0-9a-f:]+)/', out).group(1)
    for dst, hops, want in (('ff02::1:ff00:2', 255, 'ok'),
                            (peer_ll, 255, 'ok'),
                            (OUT6[0], 255, UDP_REJECTED),
                            ('ff02::1:ff00:2', 64, UDP_REJECTED),
                            ('ff05::2', 255, UDP_REJECTED)):
        got = in_netns(CTR_NS, _icmp6_send, dst, 135, hops)
        eq(got, want, f'neighbour solicitation to {dst}, hop limit {hops}')
    # an MLDv2 report goes to ff02::16 only
    eq(in_netns(CTR_NS, _icmp6_send, 'ff02::16', 143, 1), 'ok',
       'MLDv2 report to ff02::16')
    eq(in_netns(CTR_NS, _icmp6_send, OUT6[0], 143, 1), UDP_REJECTED,
       'MLDv2 report to a global address')
    # IPv6 to an allowed destination still works (neighbours resolve)
    reset()
    Container(f'[{OUT6[0]}]:80/tcp').apply()
    lp.run(['ip', '-n', CTR_NS, 'neigh', 'flush', 'dev', 'lp-c'])
    expect_page(OUT6[0], 80, 'first')


@test('dns and a host name: resolved through the container, page fetched')
def test_dns_and_name():
    reset()
    Container('dns, web.test:80/tcp').apply()
    out = nft_ctr('list', 'table', 'inet', TABLE).stdout
    check(OUT4[1] in out and OUT6[1] in out,
          f'web.test addresses not in the table:\n{out}')
    expect_page(OUT4[1], 80, 'second')
    expect_page(OUT6[1], 80, 'second')
    expect_refused(OUT4[0], 80)
    # the container can still ask its resolver
    eq(in_netns(CTR_NS, dns_query, 'web.test'), 1,
       'answers to a query from the container')


@test('an empty resolv.conf (Podman fills it after create): dns allows '
      'the resolvers Podman will write')
def test_dns_guessed():
    reset()
    Container('dns', resolv='').apply()
    out = nft_ctr('list', 'set', 'inet', TABLE, 'v4_udp_53').stdout
    check('169.254.1.1' in out, f'pasta\'s DNS forwarder not allowed:\n{out}')
    lp.run(['ip', '-n', CTR_NS, 'route', 'add', 'default', 'via', OUT4[0]])
    try:
        reset()
        Container('dns', resolv='# nothing yet\n').apply()
        out = nft_ctr('list', 'set', 'inet', TABLE, 'v4_tcp_53').stdout
    finally:
        lp.run(['ip', '-n', CTR_NS, 'route', 'del', 'default'])
    check('169.254.1.1' in out and OUT4[0] in out,
          f'the default gateway is not allowed for DNS:\n{out}')


def rootfs_container(make):
    """rootfs_container() - a 'dns' container whose resolv.conf is the file
    in its root file system, which @make(rootfs) fills"""
    c = Container('dns', resolv=None)
    rootfs = os.path.join(c.dir, 'rootfs')
    os.makedirs(rootfs)
    make(rootfs)
    return c


@test('resolv.conf in the root file system: a FIFO does not block the hook, '
      'links resolve inside the root file system')
def test_rootfs_resolv():
    reset()
    outside = mkdtemp('lp-egress-host-')
    with open(os.path.join(outside, 'resolv.conf'), 'w') as f:
        f.write('nameserver 203.0.113.9\n')

    def fifo(root):
        os.makedirs(os.path.join(root, 'etc'))
        os.mkfifo(os.path.join(root, 'etc', 'resolv.conf'))
    t0 = time.monotonic()
    try:
        res = rootfs_container(fifo).hook()
    except subprocess.TimeoutExpired:
        raise lp.TestFailure('the hook blocked on a FIFO resolv.conf')
    expect_no_table(res, 'etc/resolv.conf: not a regular file')
    check(time.monotonic() - t0 < 5, 'the hook waited on the FIFO')

    # etc is a link to a host directory: it resolves inside the root
    # file system, where the same path holds another file
    def linked_dir(root):
        os.symlink(outside, os.path.join(root, 'etc'))
        inside = os.path.join(root, outside.lstrip('/'))
        os.makedirs(inside)
        with open(os.path.join(inside, 'resolv.conf'), 'w') as f:
            f.write('nameserver 203.0.113.10\n')
    rootfs_container(linked_dir).apply()
    out = nft_ctr('list', 'set', 'inet', TABLE, 'v4_udp_53').stdout
    check('203.0.113.10' in out and '203.0.113.9' not in out,
          f'resolv.conf read outside the root file system:\n{out}')

    # an absolute link to the host's file: the same
    reset()

    def linked_file(root):
        os.makedirs(os.path.join(root, 'etc'))
        os.symlink(os.path.join(outside, 'resolv.conf'),
                   os.path.join(root, 'etc', 'resolv.conf'))
    res = rootfs_container(linked_file).hook()
    expect_no_table(res, 'No such file or directory')


@test('a name without dns: resolved by the hook, the resolver stays closed')
def test_name_without_dns():
    reset()
    Container('web.test:80/tcp').apply()
    expect_page(OUT4[1], 80, 'second')
    expect_refused(DNS4, 53, socket.SOCK_DGRAM, want=UDP_REJECTED)
    expect_refused(DNS4, 53)


@test('names: DNS only through the container\'s resolvers (not the host\'s '
      '/etc/hosts); loopback and link-local answers refused')
def test_dns_only():
    reset()
    out = lp.run(in_fake_host(['getent', 'hosts', 'hostsonly.test'])).stdout
    check(OUT4[1] in out, f'the fake host does not know hostsonly.test: {out}')
    res = Container('hostsonly.test:80/tcp').hook()
    expect_no_table(res, "cannot resolve 'hostsonly.test': no such name "
                    'in the DNS')
    for name, addr, why in (('lo.test', '127.0.0.1', 'loopback'),
                            ('pasta-host.test', '169.254.1.2', 'link-local'),
                            ('ll6.test', 'fe80::1', 'link-local'),
                            ('lo6.test', '::1', 'loopback'),
                            ('mapped.test', '::ffff:127.0.0.1', 'loopback'),
                            ('mixed.test', 'fe80::2', 'link-local')):
        res = Container(f'{name}:80/tcp').hook()
        expect_no_table(res, f"'{name}' resolves to {addr}, a {why}")
    # written as addresses they are allowed
    Container('127.0.0.1:80/tcp, 169.254.1.2:80/tcp, [fe80::1]:80/tcp, '
              '[::1]:80/tcp').apply()
    out = nft_ctr('list', 'table', 'inet', TABLE).stdout
    for a in ('127.0.0.1', '169.254.1.2', 'fe80::1', '::1'):
        check(a in out, f'address entry {a} not in the table:\n{out}')


@test('fail closed: a bad entry names the entry, nothing is applied')
def test_bad_entry():
    reset()
    res = Container('dns, 198.51.100.2:99999/tcp').hook()
    expect_no_table(res, "entry 2 '198.51.100.2:99999/tcp': port must be")
    res = Container('[198.51.100.2]:80').hook()
    expect_no_table(res, 'brackets are for IPv6 addresses only')


@test('fail closed: a name that does not resolve')
def test_unresolvable():
    reset()
    t0 = time.monotonic()
    res = Container('dns, nx.test:443/tcp').hook()
    expect_no_table(res, "cannot resolve 'nx.test'")
    check(time.monotonic() - t0 < 10, 'NXDOMAIN took too long')


@test('fail closed: dns without a resolv.conf, a missing annotation')
def test_fail_closed_inputs():
    reset()
    res = Container('dns', resolv=None).hook()
    expect_no_table(res, 'resolv.conf')
    res = Container(None).hook()
    expect_no_table(res, 'has no io.lowport.egress annotation')
    res = Container('none').hook(state='{"ociVersion": "1.0.2"}')
    expect_no_table(res, 'OCI state lacks id, bundle or a valid pid')


@test('like crun: pid 0, the hook runs in the container\'s namespace')
def test_crun_style():
    reset()
    res = Container('198.51.100.2:80/tcp').hook(inside=True)
    eq((res.returncode, res.stderr), (0, ''), 'hook run inside lp-ctr')
    expect_page(OUT4[0], 80, 'first')
    expect_refused(OUT4[1], 80)
    eq(lp.run(['nft', 'list', 'tables']).stdout.count(TABLE), 0,
       'egress table in the lptest host namespace')


def host_tables():
    """host_tables() - egress tables in the fake host's and lp-peer's
    network namespaces"""
    peer = lp.run(['ip', 'netns', 'exec', PEER_NS, 'nft', 'list', 'tables'])
    return (lp.run(['nft', 'list', 'tables']).stdout.count(TABLE) +
            peer.stdout.count(TABLE))


@test('a state PID naming the host: runc\'s pid 1, pid 0 on the host, '
      'a PID of another namespace than the hook\'s: refused')
def test_state_pid_host():
    reset()
    c = Container('198.51.100.2:80/tcp')
    # runc: the hook runs in the container's namespaces, pid 1 in the
    # state, /proc/1 is the host's init
    res = c.hook(state=c.state(pid=1), inside=True)
    expect_no_table(res, 'is the initial (host) network namespace')
    # the hook runs on the host and is given pid 1 or no pid
    for pid in (1, 0):
        res = c.hook(state=c.state(pid=pid))
        expect_no_table(res, 'is the initial (host) network namespace')
    # the hook runs in lp-ctr, the PID is a process in lp-peer
    other = Container('198.51.100.2:80/tcp', ns=PEER_NS)
    res = c.hook(state=c.state(pid=other.pid), inside=True)
    expect_no_table(res, 'but /proc/%d/ns/net is another one' % other.pid)
    eq(host_tables(), 0, 'egress tables in the host and lp-peer namespaces')
    # the PID of the hook's own namespace is accepted
    res = c.hook(state=c.state(), inside=True)
    eq((res.returncode, res.stderr), (0, ''), 'hook with its own namespace')
    expect_refused(OUT4[1], 80)


@test('fail closed: a container without a network namespace of its own')
def test_host_network():
    reset()
    c = Container('none', netns=False)
    for pid in (0, c.pid):
        res = c.hook(state=c.state(pid=pid))
        check(res.returncode == 1 and 'refusing to filter' in res.stderr,
              f'hook for --network host: {res.returncode} {res.stderr!r}')
    eq(lp.run(['nft', 'list', 'tables']).stdout.count(TABLE), 0,
       'egress table in the lptest host namespace')


@test('fail closed: CAP_NET_ADMIN or CAP_SYS_ADMIN in any capability set')
def test_power_caps():
    reset()
    for cap in ('CAP_NET_ADMIN', 'CAP_SYS_ADMIN'):
        for where in ('bounding', 'effective', 'permitted', 'inheritable',
                      'ambient'):
            res = Container('198.51.100.2:80/tcp',
                            caps={where: [cap]}).hook()
            expect_no_table(res, f'the container has {cap} in {where} '
                            '(--cap-add or --privileged?)')


@test('the container cannot undo it: nft flush/delete without CAP_NET_ADMIN')
def test_cannot_undo():
    reset()
    Container('198.51.100.2:80/tcp').apply()
    before = nft_ctr('list', 'table', 'inet', TABLE).stdout
    for args in (['flush', 'ruleset'],
                 ['delete', 'table', 'inet', TABLE]):
        res = lp.run(['ip', 'netns', 'exec', CTR_NS, 'unshare', '-Ur',
                      'nft', *args], check_rc=False)
        check(res.returncode != 0,
              f'nft {" ".join(args)} in a user namespace succeeded')
        lp.info(f'nft {" ".join(args)}: {res.stderr.strip()}')
    after = nft_ctr('list', 'table', 'inet', TABLE).stdout
    counters = re.compile(r'counter packets \d+ bytes \d+')
    eq(counters.sub('counter', after), counters.sub('counter', before),
       'table after the attempts (counters aside)')
    expect_refused(OUT4[1], 80)


@test('a shared (joined) namespace: another allowlist is refused, the '
      'same one is accepted')
def test_shared_netns():
    reset()
    Container('198.51.100.2:80/tcp').apply()
    before = nft_ctr('list', 'table', 'inet', TABLE).stdout
    res = Container('198.51.100.3:80/tcp').hook()
    check(res.returncode == 1 and 'already has table inet lowport_egress '
          'with another allowlist' in res.stderr,
          f'second pod member with another value: {res.returncode} '
          f'{res.stderr!r}')
    eq(nft_ctr('list', 'table', 'inet', TABLE).stdout, before,
       'table after the refused member')
    expect_page(OUT4[0], 80, 'first')
    expect_refused(OUT4[1], 80)
    # the same value, written differently, is the same allowlist
    Container(' 198.51.100.2:80/tcp ,198.51.100.2:80/tcp').apply()
    expect_page(OUT4[0], 80, 'first')
    expect_refused(OUT4[1], 80)


@test('applying twice replaces the table (a namespace of its own)')
def test_reapply():
    reset()
    c = Container('198.51.100.2:80/tcp', join=False)
    c.apply()
    with open(os.path.join(c.dir, 'config.json')) as f:
        config = json.load(f)
    config['annotations']['io.lowport.egress'] = '198.51.100.3:80/tcp'
    with open(os.path.join(c.dir, 'config.json'), 'w') as f:
        json.dump(config, f)
    c.apply()
    eq(nft_ctr('list', 'tables').stdout.strip(), f'table inet {TABLE}',
       'tables after the second run')
    expect_page(OUT4[1], 80, 'second')
    expect_refused(OUT4[0], 80)


FAKE_PODMAN = """#!/bin/sh
# podman stand-in: "inspect ... NAME" prints the PID given for NAME
[ "$1" = inspect ] || exit 125
for last; do :; done
case "$last" in
web) echo {pid} ;;
stopped) echo 0 ;;
*) echo "Error: no such container $last" >&2; exit 125 ;;
esac
"""


def ctl_egress(*args, env=None):
    return subprocess.run([os.environ['LOWPORTCTL'], 'egress', *args],
                          capture_output=True, text=True, timeout=30,
                          env=env)


@test('lowportctl egress: the allowlist as applied and the reject counter')
def test_ctl_egress():
    reset()
    c = Container('dns, web.test:80/tcp, 198.51.100.2:80-81/tcp, '
                  '2001:db8:2::/64')
    c.apply()
    expect_refused(OUT4[1], 443)
    expect_refused(OUT4[0], 443)
    res = ctl_egress(f'/proc/{c.real_pid}/ns/net')
    eq(res.returncode, 0, f'lowportctl egress status ({res.stderr})')
    lp.info(res.stdout)
    lines = [x.split(None, 1) for x in res.stdout.splitlines()
             if x.startswith('  ')]
    want = [[OUT4[0], 'tcp 80-81'], [DNS4, 'tcp 53'], [OUT4[1], 'tcp 80'],
            [DNS4, 'udp 53'], ['2001:db8:2::/64', 'any protocol and port'],
            [OUT6[1], 'tcp 80']]
    eq(sorted(lines), sorted(want), 'allowlist lines')
    check('rejected: 2 packets' in res.stdout, 'reject count')

    fake = os.path.join(c.dir, 'podman')
    with open(fake, 'w') as f:
        f.write(FAKE_PODMAN.format(pid=c.real_pid))
    os.chmod(fake, 0o755)
    env = dict(os.environ, LOWPORT_PODMAN=fake)
    by_name = ctl_egress('web', env=env)
    eq(by_name.returncode, 0, f'egress web ({by_name.stderr})')
    eq(by_name.stdout, res.stdout, 'egress by name')
    res = ctl_egress('stopped', env=env)
    check(res.returncode == 1 and "container 'stopped' is not running"
          in res.stderr, f'stopped container: {res.stderr!r}')
    res = ctl_egress('/run/netns/' + PEER_NS)
    check(res.returncode == 1 and 'No table inet lowport_egress'
          in res.stderr, f'namespace without a table: {res.stderr!r}')


if __name__ == '__main__':
    lp.main()
