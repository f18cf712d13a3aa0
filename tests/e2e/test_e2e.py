# SPDX-License-Identifier: GPL-2.0-or-later
"""test_e2e.py - lowport end to end: real rootless Podman + pasta, real users

Runs in the sandbox of contrib/sandbox/sandbox.sh: a Debian root of one
Podman generation ($LOWPORT_SANDBOX_SUITE: trixie = Podman 5.4, forky = 5.8,
sid = 6.x; $LOWPORT_E2E_GENERATIONS lists the ones to run, default all) in
its own network, mount and PID namespaces, with users
alice and bob (group lowport, granted 80, 443, 53 and 1020-1030 over TCP and
UDP), carol (granted nothing), and an "outside" client namespace joined by a
veth pair (sandbox 192.0.2.1 / 2001:db8:1::1, outside 192.0.2.2 /
2001:db8:1::2). lowport is installed into the sandbox the way a user
installs it: this source tree's .deb, built against the generation's own
Debian release, installed with dpkg, and lowportd runs as its unit runs it
(user lowportd with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE);
LOWPORT_E2E_INSTALL=meson copies the build's "meson install" output instead
(lowportd as root). Every check is something a user sees: what `podman run`
prints, which page comes back on which address, what lowportctl lists, what
is left in `table inet lowport`. The bridge, kube play, compose and Quadlet
paths are in podman_paths.py.

The host's own network, ruleset and devices are never touched: everything
happens inside the sandbox's namespaces, which die with it.

Copyright lowport authors
"""

import json
import os
import select
import shlex
import signal
import subprocess
import sys
import tempfile
import time

SOURCE_ROOT = os.path.abspath(os.environ.get(
    'LOWPORT_SOURCE_ROOT',
    os.path.join(os.path.dirname(__file__), '..', '..')))
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'integration'))
import lptest as T  # noqa: E402
import podman_paths as P  # noqa: E402

BUILD_ROOT = os.environ.get('LOWPORT_BUILD_ROOT', '')
SANDBOX = os.path.join(SOURCE_ROOT, 'contrib', 'sandbox', 'sandbox.sh')
INSIDE = '/usr/local/libexec/lowport-sandbox/inside.sh'
IMAGE = 'localhost/lowport-e2e:latest'
USERS = ('alice', 'bob', 'carol')
GENERATIONS = ('trixie', 'forky', 'sid')
GENERATION = os.environ.get('LOWPORT_SANDBOX_SUITE', 'trixie')
# How lowport gets into the sandbox: "deb" (default) builds this
# generation's .deb (contrib/sysboot.sh deb) and installs it with dpkg, and
# lowportd runs as its unit runs it (user lowportd, two capabilities);
# "meson" copies the build's meson install output, lowportd runs as root
# (quicker after a source change: no dpkg-buildpackage).
INSTALL = os.environ.get('LOWPORT_E2E_INSTALL', 'deb')

HOST4, OUT4 = '192.0.2.1', '192.0.2.2'
HOST6, OUT6 = '2001:db8:1::1', '2001:db8:1::2'

PODMAN_TIMEOUT = 90  # one podman command
RELEASE_WITHIN = 1.0  # lease removal after pasta exits (docs/architecture.md)
# The data path lowportctl list shows for a TCP port whose front hands the
# backend's listener over (pasta, rootlessport): steered by BPF sk_lookup
# (plugin/daemon/steering.c). A front that cannot hand it over, and UDP,
# keep the DNAT ("nat"). What lowportd reports it can do (lowportctl check)
# is DAEMON_PATH; what a pasta lease gets, pasta_path().
DAEMON_PATH = 'steer'
_PASTA_PATH = []


def pasta_path():
    """pasta_path() - the data path of a pasta TCP lease in this sandbox:
    steer, unless the generation's pasta looks up its forwarding rule by
    the accepted connection's local port (passt 2026_01_20 and later): the
    shim then keeps its listener and lowportd uses NAT
    (plugin/shim/pasta-probe.c)"""
    if not _PASTA_PATH:
        r = SB.run(['sh', '-c', 'grep -qa -e "Incorrect rule hint" '
                    '-e "Missing forward rule" "$(command -v pasta)"'],
                   check=False)
        _PASTA_PATH.append('nat' if r.returncode == 0 else 'steer')
        T.info(f'this generation\'s pasta leases: {_PASTA_PATH[0]}')
    return _PASTA_PATH[0]


class Sandbox:
    """Sandbox - one running sandbox and the commands run inside it"""

    def __init__(self):
        base = os.environ.get('TMPDIR', '/var/tmp')
        self.rundir = tempfile.mkdtemp(prefix='lowport-e2e-', dir=base)
        self.pid = None
        self.paths = {}
        self.spawned = []  # PIDs (inside) of helper servers
        self.udp_echo = False  # the image has udp-echo
        self.nft_flush = False  # the image has nft-flush
        self.versions = {}  # package -> version in the sandbox
        self.dirty = set()  # users with pods, networks or units to clean

    # --- lifetime (host side)

    def package(self):
        """package() - build/reuse this generation's .deb (contrib/sysboot.sh)

        Return: dict with DEB (the .deb) and LAYER (its dependencies' layer)
        """
        out = os.path.join(self.rundir, 'deb')
        r = subprocess.run([SANDBOX, 'package', out], capture_output=True,
                           text=True, timeout=3000)
        if r.returncode != 0:
            raise T.TestFailure(f'sandbox package: {r.stderr.strip()}')
        return dict(ln.split('=', 1) for ln in r.stdout.split())

    def start(self, layers=()):
        r = subprocess.run([SANDBOX, 'start', self.rundir, *layers],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise T.TestFailure(f'sandbox start: {r.stderr.strip()}')
        with open(os.path.join(self.rundir, 'pid')) as f:
            self.pid = int(f.read())

    def install(self, builddir):
        r = subprocess.run([SANDBOX, 'install', self.rundir, builddir],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise T.TestFailure(f'sandbox install: {r.stderr.strip()}')
        text = self.run(['cat', '/etc/lowport-sandbox.paths']).stdout
        self.paths = dict(line.split('=', 1) for line in text.split())

    def install_deb(self, deb):
        r = subprocess.run([SANDBOX, 'install-deb', self.rundir, deb],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise T.TestFailure(f'sandbox install-deb: {r.stderr.strip()}')
        text = self.run(['cat', '/etc/lowport-sandbox.paths']).stdout
        self.paths = dict(line.split('=', 1) for line in text.split())

    def image(self, extra):
        r = subprocess.run([SANDBOX, 'image', self.rundir, *extra],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise T.TestFailure(f'sandbox image: {r.stderr.strip()}')

    def stop(self):
        subprocess.run([SANDBOX, 'stop', self.rundir], timeout=60)

    # --- commands inside

    def run(self, argv, user=None, outside=False, timeout=T.OP_TIMEOUT * 2,
            check=True, stdin=None):
        """run() - run @argv in the sandbox (as @user, in the outside netns)

        Return: CompletedProcess with text output
        """
        cmd = [SANDBOX, 'exec', self.rundir]
        if user:
            cmd += ['-u', user]
        if outside:
            cmd += ['-o']
        cmd += ['--', *argv]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True,
                                 timeout=timeout, input=stdin)
        except subprocess.TimeoutExpired:
            raise T.TestFailure(f'{shlex.join(argv)} (as {user or "root"}) '
                                f'did not finish within {timeout} s')
        if check and res.returncode != 0:
            raise T.TestFailure(
                f'{shlex.join(argv)} (as {user or "root"}) failed '
                f'({res.returncode}): {res.stderr.strip()}')
        return res

    def podman(self, user, *args, check=True):
        return self.run(['podman', *args], user=user, check=check,
                        timeout=PODMAN_TIMEOUT)

    def lowportd(self, action):
        return self.run([INSIDE, 'lowportd', action], timeout=30)

    def lowportd_log(self, lines=40):
        r = self.run(['tail', '-n', str(lines),
                      '/run/lowport-sandbox/lowportd.log'], check=False)
        return r.stdout

    def spawn(self, shell_cmd, outside=False, user=None):
        """spawn() - start a helper server in the background (as @user)

        Return: its PID inside the sandbox; stopped by reset()
        """
        r = self.run(['sh', '-c', f'setsid {shell_cmd} </dev/null '
                      '>/dev/null 2>&1 & echo $!'], outside=outside,
                     user=user)
        pid = int(r.stdout.strip())
        self.spawned.append(pid)
        return pid

    def kill(self, pid, sig='KILL'):
        self.run(['sh', '-c', f'kill -{sig} {int(pid)}'], check=False)

    # --- what users see

    def get(self, url, outside=False, user=None):
        """get() - fetch @url with curl; the body, or None if it failed"""
        r = self.run(['curl', '-sS', '-g', '--max-time', '3', '--noproxy',
                      '*', url], user=user, outside=outside, check=False)
        return r.stdout.strip() if r.returncode == 0 else None

    def netns_path(self, outside):
        if outside:
            return f'/proc/{self.pid}/root/run/netns/outside'
        return f'/proc/{self.pid}/ns/net'

    def udp(self, addr, port, payload, outside=False):
        """udp() - one datagram to @addr:@port; the reply or None"""
        return in_ns(self.netns_path(outside), T._udp_ask, addr, port,
                     payload, 2.0)

    def leases(self):
        """leases() - what `lowportctl list --json` reports, as root"""
        r = self.run(['lowportctl', 'list', '--json'])
        data = json.loads(r.stdout or '[]')
        if isinstance(data, dict):
            data = data.get('leases', [])
        return data

    def table_lease_ids(self):
        """table_lease_ids() - lease IDs named in table inet lowport

        Both layouts count: a chain lease-<ID> or a comment lease=<ID>.
        """
        return T.lease_ids_in_text(self.ruleset())

    def ruleset(self):
        return self.run(['nft', 'list', 'table', 'inet', 'lowport'],
                        check=False).stdout

    def host_pid(self, ns_pid, netns):
        """host_pid() - the host's PID of the sandbox's pasta @ns_pid

        pasta moves itself into a PID namespace of its own, so the
        sandbox's PID is the second NSpid entry; its --netns argument
        @netns tells it apart from processes of other sandboxes.
        """
        for d in os.listdir('/proc'):
            if not d.isdigit():
                continue
            try:
                with open(f'/proc/{d}/status') as f:
                    nspid = [ln.split()[1:] for ln in f
                             if ln.startswith('NSpid:')][0]
                if len(nspid) < 2 or int(nspid[1]) != ns_pid:
                    continue
                with open(f'/proc/{d}/cmdline', 'rb') as f:
                    argv = f.read().decode(errors='replace').split('\0')
                if netns in argv:
                    return int(d)
            except (OSError, ValueError, IndexError):
                continue
        return None

    # --- between tests

    def reset(self):
        """reset() - remove every container and helper, check no lease is left

        Return: list of problems found
        """
        problems = []
        for pid in self.spawned:
            self.kill(pid)
        self.spawned = []
        for user in USERS:
            r = self.podman(user, 'rm', '-a', '-f', '-t', '0', check=False)
            if r.returncode != 0:
                problems.append(f'podman rm -a -f as {user}: '
                                f'{r.stderr.strip()}')
        for user in sorted(self.dirty):
            r = self.run(['sh', '-c', P.CLEAN_USER], user=user, check=False,
                         timeout=PODMAN_TIMEOUT)
            if r.returncode != 0:
                problems.append(f'cleaning up pods, networks and units of '
                                f'{user}: {r.stderr.strip()}')
        self.dirty = set()
        pid = self.lowportd('pid').stdout.strip()
        if not pid or self.run(['sh', '-c', f'kill -0 {int(pid)}'],
                               check=False).returncode:
            problems.append('lowportd was not running after the test')
            self.lowportd('start')
        left = T.wait_until(lambda: not self.leases(), 5.0, 0.05)
        if not left:
            problems.append(f'leases left after every container is gone: '
                            f'{self.leases()!r}')
        elif self.table_lease_ids():
            problems.append(f'lease rules left in table inet lowport: '
                            f'{self.table_lease_ids()}')
        return problems


def in_ns(path, fn, *args, timeout=10.0):
    """in_ns() - call @fn(*args) in a thread that joined netns @path"""
    return T.in_netns(path, fn, *args, timeout=timeout)


SB = None  # the Sandbox of this run

# ------------------------------------------------------------ helpers


def page(cid, port=80):
    """page() - the page container @cid serves on its port @port"""
    return f'lowport-e2e page from {cid[:12]} port {port}'


def run_ctr(user, *args, cmd=()):
    """run_ctr() - `podman run -d ARGS IMAGE CMD` as @user; the container ID"""
    r = SB.podman(user, 'run', '-d', *args, IMAGE, *cmd, check=False)
    if r.returncode != 0:
        raise T.TestFailure(f'podman run -d {shlex.join(args)} as {user} '
                            f'failed ({r.returncode}):\n{r.stderr.strip()}')
    return r.stdout.strip().splitlines()[-1]


def port_80_diag(cid):
    """port_80_diag() - what port 80 and the lease's backend port answer,
    for a failure message: does the helper serve its own port, and what
    does a client of port 80 get (refused, reset, nothing)?"""
    lease = lease_of('alice', 80)
    if not lease:
        return f'no lease on port 80: {SB.leases()!r}'
    high = lease['mappings'][0]['backend_port']
    r = SB.run(['curl', '-sS', '-v', '-g', '--max-time', '3', '--noproxy',
                '*', 'http://127.0.0.1:80/'], check=False)
    said = ' / '.join(ln for ln in r.stderr.splitlines()[-4:] if ln)
    return (f'lease {lease["id"]} ({sorted(datapaths(lease))}): the backend '
            f'port {high} answers {SB.get(f"http://127.0.0.1:{high}/")!r} '
            f'(want {page(cid)!r}); curl of 127.0.0.1:80 exits '
            f'{r.returncode}: {said}')


def refused_run(user, *args):
    """refused_run() - `podman run -d` that must fail; Podman's stderr"""
    r = SB.podman(user, 'run', '-d', *args, IMAGE, check=False)
    T.check(r.returncode != 0,
            f'podman run -d {shlex.join(args)} as {user} succeeded')
    return r.stderr


def expect_refusal(err, *parts):
    """expect_refusal() - Podman shows pasta's exit 1 and lowport's reason"""
    T.check('pasta failed with exit code 1' in err,
            f'Podman does not report pasta exit code 1:\n{err.strip()}')
    lines = [ln.strip() for ln in err.splitlines()]
    mine = [ln for ln in lines if 'lowport: ' in ln]
    T.check(mine, f'no "lowport: " line in Podman\'s error:\n{err.strip()}')
    for part in parts:
        T.check(any(part in ln for ln in mine),
                f'lowport\'s reason lacks {part!r}: {mine}')
    T.info(f'podman says: {" / ".join(ln for ln in lines if ln)}')


def lease_of(user, port, proto='tcp'):
    """lease_of() - the lease of @user covering @port/@proto, or None"""
    uid = {'alice': 1000, 'bob': 1001, 'carol': 1002}[user]
    for lease in SB.leases():
        if lease.get('uid') != uid:
            continue
        for m in lease.get('mappings', []):
            first = m.get('host_port', 0)
            if (m.get('proto') == proto and
                    first <= port < first + m.get('range', 1)):
                return lease
    return None


def datapaths(lease, proto='tcp'):
    """datapaths() - the data paths `lowportctl list --json` shows for
    @lease's @proto mappings ("nat" where a mapping names none)"""
    return {m.get('datapath', 'nat') for m in lease.get('mappings', [])
            if m.get('proto') == proto}


def list_rows(lease_id):
    """list_rows() - `lowportctl list` as text: (header, the rows of lease
    @lease_id split into cells; one row per mapping)"""
    lines = SB.run(['lowportctl', 'list']).stdout.splitlines()
    T.check(lines, 'lowportctl list printed nothing')
    return lines[0], [ln.split() for ln in lines[1:]
                      if ln.split()[:1] == [lease_id]]


def expect_datapath(lease, want, proto='tcp'):
    """expect_datapath() - every @proto mapping of @lease takes data path
    @want, in `lowportctl list --json` and in the DATAPATH column of its
    text; a steered lease has no rule in table inet lowport, a NAT one has"""
    T.eq(datapaths(lease, proto), {want},
         f'data path of the {proto} mappings of lease {lease["id"]} '
         f'(lowportctl list --json: {lease.get("mappings")})')
    header, rows = list_rows(lease['id'])
    T.check('DATAPATH' in header.split(),
            f'lowportctl list has no DATAPATH column: {header!r}')
    mine = [r for r in rows if proto in r]
    T.check(mine and all(want in r for r in mine),
            f'lowportctl list rows of lease {lease["id"]}: {rows}, want '
            f'{want} on each {proto} row')
    ruled = lease['id'] in SB.table_lease_ids()
    if datapaths(lease, 'tcp') | datapaths(lease, 'udp') == {'steer'}:
        T.check(not ruled, f'steered lease {lease["id"]} has rules in '
                f'table inet lowport:\n{SB.ruleset()}')
    elif want == 'nat':
        T.check(ruled, f'lease {lease["id"]} (nat) has no rules in table '
                f'inet lowport:\n{SB.ruleset()}')


def need_shim():
    shim = SB.paths.get('PASTA_SHIM')
    if not shim:
        T.skip('the lowport pasta shim is not built yet (plugin/shim/pasta-shim.c)')
    return shim


STARTED = set()  # (container, port) pairs that have answered once


def expect_served(cid, port=80, outside=True):
    """expect_served() - @cid's page on 127.0.0.1:@port (and from outside)

    `podman run -d` returns before the server in the container listens:
    the first request to a container's port may wait up to 3 s for it,
    every later one must be answered right away.
    """
    want = page(cid, port)
    url = f'http://127.0.0.1:{port}/'
    if (cid, port) not in STARTED:
        T.wait_until(lambda: SB.get(url) == want, 3.0, 0.1)
        STARTED.add((cid, port))
    T.eq(SB.get(url), want, f'page on 127.0.0.1:{port}')
    if outside:
        T.eq(SB.get(f'http://{HOST4}:{port}/', outside=True), want,
             f'page on {HOST4}:{port} from the outside client')


def released_after(action, lease):
    """released_after() - run @action; time pasta's exit and the lease's end

    Waits (bounded) for the lease's pasta to exit, then for the lease, its
    map entries and its chain to be gone.
    Return: (seconds from pasta's exit to the lease gone, seconds total)
    """
    hpid = SB.host_pid(lease['pid'], lease['netns'])
    T.check(hpid, f'pasta {lease["pid"]} of lease {lease["id"]} not found')
    pidfd = os.pidfd_open(hpid)
    try:
        start = time.monotonic()
        action()
        ready, _, _ = select.select([pidfd], [], [], 30.0)
        T.check(ready, 'pasta did not exit within 30 s')
        exited = time.monotonic()
    finally:
        os.close(pidfd)
    def gone():
        ids = {x.get('id') for x in SB.leases()}
        return (lease['id'] not in ids and
                lease['id'] not in SB.table_lease_ids())
    T.check(T.wait_until(gone, 10.0, 0.01),
            f'lease {lease["id"]} still there 10 s after pasta exited')
    done = time.monotonic()
    return done - exited, done - start


def expect_release(action, lease, what):
    after_exit, total = released_after(action, lease)
    T.info(f'{what}: lease gone {after_exit * 1000:.0f} ms after pasta '
           f'exited ({total:.2f} s after the command started)')
    T.check(after_exit <= RELEASE_WITHIN,
            f'{what}: lease removed {after_exit:.2f} s after pasta exited')


# ------------------------------------------------------------ tests


@T.test('Podman finds the lowport pasta shim through the containers.conf '
        'drop-in')
def t_shim_found():
    shim = need_shim()
    r = SB.podman('alice', 'info', '--format', '{{.Host.Pasta.Executable}}')
    T.check(SB.paths.get('DROPIN'),
            f'the {INSTALL} install has no containers.conf.d/50-lowport.conf')
    T.eq(r.stdout.strip(), shim, 'podman info: pasta executable')


@T.test('alice: podman run -d -p 80:80 is served on 127.0.0.1:80 and to the '
        'outside client, which the container sees as itself')
def t_publish_80():
    need_shim()
    cid = run_ctr('alice', '-p', '80:80')
    try:
        expect_served(cid)
    except T.TestFailure as e:
        raise T.TestFailure(f'{e}\n{port_80_diag(cid)}') from e
    peer = SB.get(f'http://{HOST4}/cgi-bin/peer', outside=True)
    T.check(peer and OUT4 in peer and '127.' not in peer,
            f'the container saw the outside client as {peer!r}, '
            f'want {OUT4}')
    lease = lease_of('alice', 80)
    T.check(lease, f'lowportctl list has no lease on 80/tcp for alice: '
                   f'{SB.leases()!r}')
    T.info(f'lease {lease["id"]}: ' + ', '.join(
        f'{m["proto"]} {m["host_port"]} -> {m["backend_port"]} '
        f'{m.get("datapath", "nat")}' for m in lease['mappings']))
    expect_datapath(lease, pasta_path())
    if pasta_path() == 'steer':
        # Only a steered lease: lowport's table has no nat chain, so no
        # connection pays conntrack on lowport's account
        T.check('type nat' not in SB.ruleset(),
                f'a nat chain with only a steered lease:\n{SB.ruleset()}')


@T.test('-p 127.0.0.1:80:80 is served on 127.0.0.1:80, not to the outside')
def t_publish_loopback():
    need_shim()
    cid = run_ctr('alice', '-p', '127.0.0.1:80:80')
    expect_served(cid, outside=False)
    T.eq(SB.get(f'http://{HOST4}:80/', outside=True), None,
         f'{HOST4}:80 from the outside client')
    lease = lease_of('alice', 80)
    T.check(lease, 'no lease for -p 127.0.0.1:80:80')
    addrs = {m.get('host_addr') for m in lease.get('mappings', [])}
    T.eq(addrs, {'127.0.0.1'}, 'lease host addresses')
    expect_datapath(lease, pasta_path())


@T.test('UDP: -p 53:5353/udp answers on 127.0.0.1, ::1 and to the outside '
        'client over IPv4 and IPv6')
def t_udp():
    need_shim()
    if not SB.udp_echo:
        T.skip('no static udp-echo for the image (static linking failed)')
    cid = run_ctr('alice', '-p', '53:5353/udp', cmd=('serve', 'udp:5353'))
    host = cid[:12]
    for addr, outside, peer in (('127.0.0.1', False, None),
                                ('::1', False, None),
                                (HOST4, True, OUT4),
                                (HOST6, True, OUT6)):
        def ask():
            return SB.udp(addr, 53, 'ping', outside)
        reply = T.wait_until(ask, 3.0, 0.2)
        T.check(reply and reply.startswith('lowport-e2e udp 5353 from ')
                and f'host {host} echo ping' in reply,
                f'UDP {addr}:53 (outside={outside}): reply {reply!r}')
        if peer:
            T.check(f' from {peer} ' in reply,
                    f'container saw the outside client as: {reply!r}')
    lease = lease_of('alice', 53, 'udp')
    T.check(lease, 'no lease on 53/udp')
    expect_datapath(lease, 'nat', 'udp')


@T.test('IPv6: -p 80:80 is served on [::1]:80 and to the outside client '
        'over IPv6')
def t_ipv6():
    need_shim()
    cid = run_ctr('alice', '-p', '80:80')
    T.eq(SB.get('http://[::1]:80/'), page(cid), 'page on [::1]:80')
    T.eq(SB.get(f'http://[{HOST6}]:80/', outside=True), page(cid),
         f'page on [{HOST6}]:80 from the outside client')
    peer = SB.get(f'http://[{HOST6}]/cgi-bin/peer', outside=True)
    T.check(peer and OUT6 in peer,
            f'the container saw the outside client as {peer!r}')
    expect_datapath(lease_of('alice', 80), pasta_path())


@T.test('two privileged ports in one container: -p 80:80 -p 443:443')
def t_two_ports():
    need_shim()
    cid = run_ctr('alice', '-p', '80:80', '-p', '443:443')
    expect_served(cid, 80)
    expect_served(cid, 443)
    T.check(lease_of('alice', 80) and lease_of('alice', 443),
            f'leases: {SB.leases()!r}')
    expect_datapath(lease_of('alice', 443), pasta_path())


@T.test('a range: -p 1020-1030:1020-1030 serves every port of it')
def t_range():
    need_shim()
    cid = run_ctr('alice', '-p', '1020-1030:1020-1030',
                  cmd=('serve', '1020-1030'))
    for port in range(1020, 1031):
        expect_served(cid, port, outside=port in (1020, 1023, 1024, 1030))
    # Only 1020-1023 are privileged (ip_unprivileged_port_start = 1024)
    T.check(all(lease_of('alice', p) for p in range(1020, 1024)),
            f'1020-1023 not all leased: {SB.leases()!r}')
    T.check(not any(lease_of('alice', p) for p in range(1024, 1031)),
            f'a lease covers an unprivileged port: {SB.leases()!r}')
    expect_datapath(lease_of('alice', 1020), pasta_path())


def refused_conn(url, outside=False):
    """refused_conn() - a connection to @url is refused (curl exit 7): no
    socket takes it, not even one that never answers (a listener left in
    the steering map would accept, and curl would time out instead)"""
    r = SB.run(['curl', '-sS', '-g', '--max-time', '3', '--noproxy', '*',
                url], outside=outside, check=False)
    T.eq(r.returncode, 7, f'curl {url} exit status ({r.stderr.strip()!r})')


def lifecycle(action_of, what):
    cid = run_ctr('alice', '-p', '80:80')
    expect_served(cid)
    lease = lease_of('alice', 80)
    T.check(lease, 'no lease for the running container')
    expect_datapath(lease, pasta_path())
    expect_release(lambda: action_of(cid, lease), lease, what)
    T.eq(SB.get('http://127.0.0.1:80/'), None,
         f'port 80 after {what}')
    refused_conn('http://127.0.0.1:80/')
    refused_conn(f'http://{HOST4}:80/', outside=True)
    return cid


@T.test('podman stop: lease and rules gone within 1 s of pasta\'s exit')
def t_stop():
    need_shim()
    lifecycle(lambda cid, _: SB.podman('alice', 'stop', '-t', '2', cid),
              'podman stop')


@T.test('podman rm -f: lease and rules gone within 1 s of pasta\'s exit')
def t_rm_f():
    need_shim()
    lifecycle(lambda cid, _: SB.podman('alice', 'rm', '-f', '-t', '2', cid),
              'podman rm -f')


@T.test('podman kill: lease and rules gone within 1 s of pasta\'s exit')
def t_kill():
    need_shim()
    lifecycle(lambda cid, _: SB.podman('alice', 'kill', cid), 'podman kill')


@T.test('kill -9 of the container\'s pasta: lease and rules gone within 1 s')
def t_kill_pasta():
    need_shim()

    def kill_pasta(_cid, lease):
        comm = SB.run(['cat', f'/proc/{lease["pid"]}/comm']).stdout.strip()
        T.check(comm.startswith('pasta'),
                f'lease pid {lease["pid"]} is {comm!r}, not pasta')
        SB.kill(lease['pid'])
    lifecycle(kill_pasta, 'kill -9 pasta')


@T.test('podman restart: served again, with a new lease')
def t_restart():
    need_shim()
    cid = run_ctr('alice', '-p', '80:80')
    expect_served(cid)
    old = lease_of('alice', 80)
    r = SB.podman('alice', 'restart', '-t', '2', cid, check=False)
    if r.returncode != 0:
        # For the diagnosis: does plain pasta restart on 8080?
        other = run_ctr('alice', '-p', '8080:80')
        plain = SB.podman('alice', 'restart', '-t', '2', other, check=False)
        T.info(f'for comparison, podman restart of -p 8080:80 (no lowport) '
               f'{"worked" if plain.returncode == 0 else "failed too"}: '
               f'{plain.stderr.strip()}')
        raise T.TestFailure(f'podman restart failed ({r.returncode}):\n'
                            f'{r.stderr.strip()}')

    def new_lease():
        lease = lease_of('alice', 80)
        return lease if lease and lease['id'] != old['id'] else None
    lease = T.wait_until(new_lease, 5.0, 0.05)
    T.check(lease, f'no new lease after restart: {SB.leases()!r}')
    expect_datapath(lease, pasta_path())
    T.check(T.wait_until(lambda: SB.get('http://127.0.0.1:80/') == page(cid),
                         5.0, 0.1), 'page not served after podman restart')
    expect_served(cid)


@T.test('refused: bob while alice holds port 80 (Podman shows lowport\'s '
        'reason)')
def t_refuse_taken():
    need_shim()
    cid = run_ctr('alice', '-p', '80:80')
    err = refused_run('bob', '-p', '80:80')
    expect_refusal(err, 'lowport: port 80/tcp on 0.0.0.0 is already '
                   'forwarded for another user')
    T.check(lease_of('bob', 80) is None, 'bob got a lease')
    expect_served(cid)


@T.test('refused: carol is not granted port 80')
def t_refuse_carol():
    need_shim()
    err = refused_run('carol', '-p', '80:80')
    expect_refusal(err, 'carol', 'not granted')
    T.eq(SB.leases(), [], 'leases after the refusal')
    T.eq(SB.get('http://127.0.0.1:80/'), None, 'port 80 after the refusal')


def host_service(port=80):
    """host_service() - root's busybox httpd on @port; (pid, its page)"""
    text = f'lowport-e2e host service on {port}'
    SB.run(['sh', '-c', f'mkdir -p /tmp/host-www && echo "{text}" '
            '>/tmp/host-www/index.html'])
    pid = SB.spawn(f'busybox httpd -f -p {port} -h /tmp/host-www')

    def up():
        return SB.get(f'http://127.0.0.1:{port}/') == text
    return pid, T.wait_until(up, 3.0, 0.05) and text


@T.test('refused: a host service already serves port 80; it keeps serving')
def t_refuse_host_service():
    need_shim()
    pid, text = host_service()
    T.check(text, 'the host service on port 80 did not start')
    err = refused_run('alice', '-p', '80:80')
    expect_refusal(err, 'port 80/tcp on 0.0.0.0 is already in use by a '
                   'host socket')
    T.eq(SB.get('http://127.0.0.1:80/'), text, 'port 80 after the refusal')
    T.eq(SB.get(f'http://{HOST4}:80/', outside=True), text,
         'port 80 from outside after the refusal')
    T.eq(SB.leases(), [], 'leases after the refusal')


@T.test('while a lease holds port 80 root cannot bind it; after the lease '
        'ends root can')
def t_host_bind_after():
    need_shim()
    cid = run_ctr('alice', '-p', '80:80')
    expect_served(cid)
    r = SB.run(['timeout', '1', 'busybox', 'nc', '-l', '-p', '80'],
               check=False)
    T.check(r.returncode not in (0, 124),
            f'root could listen on port 80 under the lease ({r.returncode})')
    T.info(f'root binding port 80 under the lease: {r.stderr.strip()}')
    lease = lease_of('alice', 80)
    expect_release(lambda: SB.podman('alice', 'stop', '-t', '2', cid), lease,
                   'podman stop')
    pid, text = host_service()
    T.check(text, 'root could not serve port 80 after the lease ended')


@T.test('-p 8080:80 passes through the shim with no lease')
def t_unprivileged():
    need_shim()
    cid = run_ctr('alice', '-p', '8080:80')
    want = page(cid)
    T.eq(SB.get('http://127.0.0.1:8080/'), want, 'page on 127.0.0.1:8080')
    T.eq(SB.get(f'http://{HOST4}:8080/', outside=True), want,
         'page on 8080 from the outside client')
    T.eq(SB.leases(), [], 'leases for an unprivileged port')
    T.eq(SB.table_lease_ids(), set(), 'lease rules for an unprivileged port')


@T.test('while port 80 is forwarded, the sandbox\'s own connections to port '
        '80 elsewhere reach that server, not the container')
def t_outgoing_not_hijacked():
    need_shim()
    text = 'lowport-e2e outside server'
    SB.run(['sh', '-c', f'mkdir -p /tmp/out-www && echo "{text}" '
            '>/tmp/out-www/index.html'])
    SB.spawn('busybox httpd -f -p 80 -h /tmp/out-www', outside=True)
    cid = run_ctr('alice', '-p', '80:80')
    expect_served(cid)
    T.check(T.wait_until(lambda: SB.get(f'http://{OUT4}:80/') == text,
                         3.0, 0.1),
            f'{OUT4}:80 from the sandbox: {SB.get(f"http://{OUT4}:80/")!r}')
    T.eq(SB.get(f'http://[{OUT6}]:80/'), text, f'[{OUT6}]:80 from the sandbox')
    T.eq(SB.get(f'http://{OUT4}:80/', user='bob'), text,
         f'{OUT4}:80 from the sandbox as bob')


@T.test('Quadlet: a .container with PublishPort=80:80, run from the '
        'generated ExecStart, is served on port 80')
def t_quadlet():
    need_shim()
    units = P.quadlet_generate('alice', {'web.container': (
        f'[Container]\nImage={IMAGE}\nContainerName=lowport-quadlet-web\n'
        'PublishPort=80:80\n')})
    start = P.quadlet_exec('alice', units, 'web.service', 'ExecStart')
    T.check('--publish' in start and '80:80' in start,
            f'ExecStart does not publish 80:80: {shlex.join(start)}')
    T.info(f'ExecStart: {shlex.join(start)}')
    cid = SB.podman('alice', 'inspect', '--format', '{{.Id}}',
                    'lowport-quadlet-web').stdout.strip()
    expect_served(cid)
    lease = lease_of('alice', 80)
    T.check(lease, 'no lease for the Quadlet container')
    expect_release(lambda: P.quadlet_exec('alice', units, 'web.service',
                                          'ExecStop'), lease, 'ExecStop')


@T.test('lowportd kill -9: port 80 keeps being served (steered: the '
        'pinned program and map outlive lowportd); after restart lowportctl '
        'lists the lease adopted, still steered; stopping the container '
        'removes it')
def t_helper_crash():
    need_shim()
    cid = run_ctr('alice', '-p', '80:80')
    expect_served(cid)
    lease = lease_of('alice', 80)
    expect_datapath(lease, pasta_path())
    SB.lowportd('kill9')
    for _ in range(5):
        expect_served(cid)
    T.eq(SB.get(f'http://[{HOST6}]:80/', outside=True), page(cid),
         'IPv6 from outside while lowportd is down')
    T.eq(SB.get('http://[::1]:80/'), page(cid), '[::1]:80 while lowportd is '
         'down')
    peer = SB.get(f'http://{HOST4}/cgi-bin/peer', outside=True)
    T.check(peer and OUT4 in peer,
            f'while lowportd is down the container saw the outside client '
            f'as {peer!r}, want {OUT4}')
    SB.lowportd('start')
    T.check(lease_of('alice', 80) and lease_of('alice', 80)['id'] ==
            lease['id'], f'lease {lease["id"]} not adopted: {SB.leases()!r}')
    expect_datapath(lease_of('alice', 80), pasta_path())
    log = SB.lowportd_log(20)
    T.check('no longer in the steering map' not in log,
            f'the restarted lowportd lost the steering:\n{log}')
    expect_served(cid)
    expect_release(lambda: SB.podman('alice', 'stop', '-t', '2', cid), lease,
                   'podman stop after the restart')


@T.test('steered: once the backend\'s listener is closed, bob\'s server on '
        'its port gets none of port 80\'s traffic (lowportd down, so '
        'nothing ends the lease; a DNAT would deliver it to bob)')
def t_steer_newcomer():
    need_shim()
    if pasta_path() != 'steer':
        T.skip('this generation\'s pasta is not steered (NAT keeps the '
               'documented limit); the rootlessport front\'s leases are')
    cid = run_ctr('alice', '-p', '80:80')
    expect_served(cid)
    lease = lease_of('alice', 80)
    expect_datapath(lease, 'steer')
    high = lease['mappings'][0]['backend_port']
    SB.lowportd('kill9')
    hpid = SB.host_pid(lease['pid'], lease['netns'])
    T.check(hpid, f'pasta {lease["pid"]} of lease {lease["id"]} not found')
    pidfd = os.pidfd_open(hpid)
    try:
        SB.kill(lease['pid'])
        ready, _, _ = select.select([pidfd], [], [], 10.0)
        T.check(ready, 'pasta did not exit within 10 s of kill -9')
    finally:
        os.close(pidfd)
    text = f'lowport-e2e bob on {high}'
    SB.run(['sh', '-c', f'mkdir -p /tmp/bob-www && echo "{text}" '
            '>/tmp/bob-www/index.html'], user='bob')
    SB.spawn(f'busybox httpd -f -p {high} -h /tmp/bob-www', user='bob')
    T.check(T.wait_until(lambda: SB.get(f'http://127.0.0.1:{high}/') == text,
                         3.0, 0.05),
            f'bob\'s server on {high} does not answer')
    T.info(f'alice\'s pasta gone, lowportd down, bob serves {high} '
           f'(the lease\'s backend port)')
    for url, outside in (('http://127.0.0.1:80/', False),
                         ('http://[::1]:80/', False),
                         (f'http://{HOST4}:80/', True),
                         (f'http://[{HOST6}]:80/', True)):
        T.eq(SB.get(url, outside=outside), None,
             f'{url}{" from outside" if outside else ""} with bob on {high}')
    SB.lowportd('start')
    T.check(T.wait_until(lambda: lease_of('alice', 80) is None, 5.0, 0.05),
            f'the restarted lowportd kept the dead lease: {SB.leases()!r}')


@T.test('lowportctl check says which data path TCP leases take, and why')
def t_check_datapath():
    r = SB.run(['lowportctl', 'check'], check=False)
    lines = [ln.strip() for ln in r.stdout.splitlines() if 'data path' in ln]
    T.check(lines, f'no data path line in lowportctl check:\n{r.stdout}')
    T.info(f'lowportctl check: {" / ".join(lines)}')
    T.check(any(f'data path: {DAEMON_PATH}' in ln for ln in lines),
            f'lowportctl check does not say "data path: {DAEMON_PATH}": '
            f'{lines}')


def policy_datapath(value):
    """policy_datapath() - set [lowport] datapath = @value (None: the
    sandbox policy without it), reload lowportd, wait until lowportctl check
    reports the data path it gives"""
    SB.run([INSIDE, 'policy'])
    if value:
        SB.run(['sh', '-c', 'printf "\\n[lowport]\\ndatapath = %s\\n" "$1" '
                '>>/etc/lowport/lowport.conf', 'sh', value])
    pid = int(SB.lowportd('pid').stdout.strip())
    SB.run(['kill', '-HUP', str(pid)])
    want = f'data path: {value or DAEMON_PATH}'

    def reloaded():
        return want in SB.run(['lowportctl', 'check'], check=False).stdout
    T.check(T.wait_until(reloaded, 5.0, 0.1),
            f'lowportctl check does not say {want!r} after the reload')


@T.test('[lowport] datapath = nat: a pasta lease takes the DNAT (rules in '
        'table inet lowport), is served from outside and 127.0.0.1, the '
        'container sees the outside client; back to auto: steered again')
def t_policy_nat():
    need_shim()
    policy_datapath('nat')
    try:
        cid = run_ctr('alice', '-p', '80:80')
        expect_served(cid)
        lease = lease_of('alice', 80)
        expect_datapath(lease, 'nat')
        peer = SB.get(f'http://{HOST4}/cgi-bin/peer', outside=True)
        T.check(peer and OUT4 in peer,
                f'the container saw the outside client as {peer!r}')
        expect_release(lambda: SB.podman('alice', 'rm', '-f', '-t', '0',
                                         cid), lease, 'podman rm -f (nat)')
    finally:
        policy_datapath(None)
    cid = run_ctr('alice', '-p', '80:80')
    expect_served(cid)
    expect_datapath(lease_of('alice', 80), pasta_path())


# ------------------------------------------------------------ runner


def with_reset(fn):
    """with_reset() - run test @fn, then clean the sandbox for the next"""
    def wrapped():
        try:
            fn()
        except T.Skip:
            SB.reset()
            raise
        except BaseException as e:
            log = SB.lowportd_log()
            table = SB.ruleset()
            try:
                SB.reset()
            except BaseException:
                pass
            if isinstance(e, T.TestFailure):
                raise T.TestFailure(f'{e}\n{T._where(e)}\n'
                                    f'--- lowportd log (tail):\n{log}'
                                    f'--- table inet lowport:\n{table}') \
                    from e
            raise
        problems = SB.reset()
        if problems:
            raise T.TestFailure('; '.join(problems))
    return wrapped


def skip_all(reason):
    print(f'1..0 # SKIP {reason}', flush=True)
    sys.exit(0)


def prepare():
    """prepare() - build/reuse the root, start the sandbox, install lowport"""
    global SB
    t0 = time.monotonic()
    r = subprocess.run([SANDBOX, 'build'], capture_output=True, text=True,
                       timeout=1500)
    if r.returncode == 77:
        skip_all(r.stderr.strip().splitlines()[-1])
    if r.returncode != 0:
        print(f'Bail out! sandbox build failed: {r.stderr.strip()}',
              flush=True)
        sys.exit(1)
    SB = Sandbox()
    t1 = time.monotonic()
    if INSTALL == 'deb':
        pkg = SB.package()
        T.info(f'.deb for {GENERATION}: {os.path.basename(pkg["DEB"])} and '
               f'its dependency layer built or reused in '
               f'{time.monotonic() - t1:.1f} s')
        SB.start([pkg['LAYER']])
        SB.install_deb(pkg['DEB'])
    else:
        SB.start()
        SB.install(BUILD_ROOT)
    udp_echo = os.environ.get('LOWPORT_E2E_UDP_ECHO', '')
    SB.udp_echo = bool(udp_echo) and os.access(udp_echo, os.X_OK)
    # nft-flush: test_egress.py's case 4 (busybox has no nft)
    nft_flush = os.environ.get('LOWPORT_E2E_NFT_FLUSH', '')
    SB.nft_flush = bool(nft_flush) and os.access(nft_flush, os.X_OK)
    SB.image(([udp_echo] if SB.udp_echo else []) +
             ([nft_flush] if SB.nft_flush else []))
    SB.lowportd('start')
    t2 = time.monotonic()
    T.info(f'sandbox root {r.stdout.strip()} ready in {t1 - t0:.1f} s; '
           f'{"lowport packaged, " if INSTALL == "deb" else ""}sandbox '
           f'started, lowport installed ({INSTALL}), image imported in '
           f'{t2 - t1:.1f} s')
    text = SB.run([INSIDE, 'versions']).stdout
    SB.versions = dict(ln.split(' ', 1) for ln in text.splitlines() if ln)
    T.info(f'generation {GENERATION}: ' + ', '.join(
        f'{k} {v}' for k, v in SB.versions.items()))


def run_suite(tests, *, skip_env, test_timeout, prepare_fn, what,
              after=None):
    """run_suite() - TAP run of @tests in a fresh sandbox (e2e and bench)

    Skips when not root or when $@skip_env says why; @prepare_fn builds and
    starts the sandbox (module global SB); @after runs once all tests ran.
    """
    if os.geteuid() != 0:
        skip_all('needs root (builds and enters the Podman sandbox)')
    reason = os.environ.get(skip_env)
    if reason:
        skip_all(reason)
    if not BUILD_ROOT:
        print('Bail out! LOWPORT_BUILD_ROOT is not set', flush=True)
        sys.exit(1)
    T.TEST_TIMEOUT = test_timeout
    signal.signal(signal.SIGALRM, T._on_alarm)
    signal.signal(signal.SIGTERM, T._on_term)
    start = time.monotonic()
    failed = 0
    try:
        try:
            prepare_fn()
        except T.TestFailure as e:
            print(f'Bail out! {e}', flush=True)
            sys.exit(1)
        print(f'1..{len(tests)}', flush=True)
        for num, (name, fn) in enumerate(tests, 1):
            if not T._run_one(num, name, with_reset(fn)):
                failed += 1
        if after:
            after()
    finally:
        if SB is not None:
            SB.stop()
        T.info(f'{what} took {time.monotonic() - start:.1f} s')
    sys.exit(1 if failed else 0)


def skip_other_generations():
    """skip_other_generations() - skip unless $LOWPORT_E2E_GENERATIONS
    lists this generation (default: all)"""
    gens = os.environ.get('LOWPORT_E2E_GENERATIONS', ' '.join(GENERATIONS))
    if GENERATION not in gens.replace(',', ' ').split():
        skip_all(f'generation {GENERATION} is not in '
                 f'LOWPORT_E2E_GENERATIONS ({gens})')


def main():
    skip_other_generations()
    P.register(sys.modules[__name__])
    tests = T.TESTS
    only = os.environ.get('LOWPORT_E2E_ONLY')  # name substrings, a,b
    if only:
        tests = [t for t in tests if any(w in t[0] for w in only.split(','))]
    run_suite(tests, skip_env='LOWPORT_E2E_SKIP', test_timeout=300,
              prepare_fn=prepare, what='e2e run')


if __name__ == '__main__':
    main()
