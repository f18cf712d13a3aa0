#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench_e2e.py - lowport's data path and `podman run` cost vs pasta direct

Runs in the sandbox of contrib/sandbox/sandbox.sh (real rootless Podman 5 +
pasta, user alice, an "outside" client namespace at 192.0.2.2 that reaches
the sandbox host at 192.0.2.1), with this build of lowport installed and
lowportd running. In one run, side by side, alternating, it measures:

  1. wall time of `podman run -d` as alice with -p 80:80 (lowport shim +
     lowportd lease) and with -p 8080:80 (the shim passes it through to
     pasta untouched, no lease);
  2. small HTTP requests/s (wrk, from the host's binary entered into the
     sandbox's namespaces) to a container on port 80 (lowport DNAT to the
     pasta backend port) and to a second container on 8080 (pasta direct),
     with keep-alive and with one connection per request, from the outside
     client and from 127.0.0.1 in the sandbox;
  3. bulk TCP throughput (iperf3, one stream, client to server) the same
     ways.

Every data-path figure has three arms:
  lowport  port 80, through table inet lowport's DNAT;
  direct   port 8080 in the same state (lowportd running, its table
           present, the port 80 container up);
  bare     port 8080 with lowportd stopped and its table deleted: the
           sandbox has no nftables ruleset at all, as without lowport.
A nat table makes the kernel track every new connection of the namespace
(conntrack), whether or not a lease matches; "direct" carries that cost,
"bare" does not. Ratios lowport/direct and lowport/bare are both printed.
The conntrack table of the sandbox is flushed before each data-path run so
every run starts from the same state.

What the HTTP variants weigh: with keep-alive, nearly every packet belongs
to an established connection, which the nat chains never see again; the
cost is per packet (conntrack lookup, and for lowport the DNAT rewrite of
every packet). With one connection per request ("close"), the cost is per
connection (conntrack entry, the chains' map lookup, the NAT binding).

Reported, never asserted. Asserted only what makes the figures void: every
container runs, port 80 has a lease and 8080 none, every load run moved
data without HTTP errors.

Copyright lowport authors
"""

import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys

SOURCE_ROOT = os.path.abspath(os.environ.get(
    'LOWPORT_SOURCE_ROOT',
    os.path.join(os.path.dirname(__file__), '..', '..')))
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'integration'))
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'e2e'))
import lptest as T  # noqa: E402
import test_e2e as E  # noqa: E402


def _env_int(name, default, low, high):
    """_env_int() - integer setting @name from the environment, bounded"""
    try:
        value = int(os.environ.get(name, default))
    except ValueError:
        value = default
    return max(low, min(high, value))


PODMAN_RUNS = _env_int('LOWPORT_BENCH_PODMAN_RUNS', 7, 1, 50)
RUNS = _env_int('LOWPORT_BENCH_RUNS', 3, 1, 20)
SECONDS = _env_int('LOWPORT_BENCH_SECONDS', 5, 1, 60)
CONNS = 32
WRK_THREADS = 1  # 2 cores: wrk, pasta and the server share them
HTTPD = os.environ.get('LOWPORT_BENCH_HTTPD', '')
IPERF3 = '/usr/bin/iperf3'  # in the sandbox (its package list)
LDSO = '/usr/lib64/ld-linux-x86-64.so.2'
LP_PORT, DIRECT_PORT = 80, 8080
ARMS = ('lowport', 'direct', 'bare')

SB = None  # the sandbox of this run


# ------------------------------------------------------------ sandbox state


def run_as_alice(*args, cmd=(), check=True):
    """run_as_alice() - `podman run -d ARGS IMAGE CMD`; the container ID"""
    r = SB.podman('alice', 'run', '-d', *args, E.IMAGE, *cmd, check=False)
    if check and r.returncode != 0:
        raise T.TestFailure(f'podman run -d {" ".join(args)} failed '
                            f'({r.returncode}): {r.stderr.strip()}')
    return r.stdout.strip().splitlines()[-1]


def rm_ctr(cid):
    """rm_ctr() - remove container @cid of alice at once"""
    SB.podman('alice', 'rm', '-f', '-t', '0', cid)


def wait_lease(present, port=LP_PORT):
    """wait_lease() - wait (bounded) until alice's lease on @port is there
    (@present) or gone; fail the benchmark otherwise"""
    ok = T.wait_until(lambda: bool(E.lease_of('alice', port)) == present,
                      10.0, 0.02)
    T.check(ok, f'lease on port {port} still '
                f'{"missing" if present else "there"} after 10 s: '
                f'{SB.leases()!r}')


def wait_port(port, proto_check):
    """wait_port() - wait (bounded) until @proto_check(port) is true"""
    T.check(T.wait_until(lambda: proto_check(port), 10.0, 0.1),
            f'nothing serves port {port} from the outside client within 10 s')


def _ct_flush():
    """_ct_flush() - flush this thread's network namespace's conntrack table
    (IPCTNL_MSG_CT_DELETE with no tuple and family AF_UNSPEC: everything)

    Return: how many connections it held before
    """
    nfnl_subsys_ctnetlink, ct_delete = 1, 2
    flags = 0x1 | 0x4  # NLM_F_REQUEST | NLM_F_ACK
    with open('/proc/sys/net/netfilter/nf_conntrack_count') as f:
        before = int(f.read())
    msg = struct.pack('=IHHII', 20, (nfnl_subsys_ctnetlink << 8) | ct_delete,
                      flags, 1, 0) + struct.pack('=BBH', 0, 0, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC,
                       12) as s:  # NETLINK_NETFILTER
        s.settimeout(5.0)
        s.send(msg)
        reply = s.recv(4096)
    err = struct.unpack_from('=i', reply, 16)[0]
    if err not in (0, -2):  # ENOENT: nothing to flush
        raise OSError(-err, f'conntrack flush: {os.strerror(-err)}')
    return before


def ct_flush():
    """ct_flush() - flush the sandbox's conntrack table

    /proc/sys/net shows the reader's namespace: both steps run in a thread
    that joined the sandbox's.
    Return: how many connections it held before
    """
    return T.in_netns(SB.netns_path(False), _ct_flush)


def lowport_off():
    """lowport_off() - stop lowportd and delete its table: no ruleset left"""
    SB.lowportd('stop')
    SB.run(['nft', 'delete', 'table', 'inet', 'lowport'], check=False)
    left = SB.run(['nft', 'list', 'ruleset']).stdout.strip()
    T.check(not left, f'a ruleset is left in the sandbox:\n{left}')


def lowport_on():
    """lowport_on() - start lowportd again"""
    SB.lowportd('start')


# ------------------------------------------------------------ arms


class Arms:
    """Arms - the two containers of one data-path section, and the switch
    between the lowport, direct and bare arms"""

    def __init__(self, ctr_args, ctr_cmd, ready):
        self.ctr_args = ctr_args  # e.g. ['-v', ...]; without -p
        self.ctr_cmd = ctr_cmd
        self.ready = ready  # ready(port) -> bool, from the outside client
        self.lp_cid = None
        self.direct_cid = None

    def start_lp(self):
        self.lp_cid = run_as_alice(*self.ctr_args, '-p', f'{LP_PORT}:80',
                                   cmd=self.ctr_cmd)
        wait_lease(True)
        wait_port(LP_PORT, self.ready)

    def start(self):
        """start() - both containers up and serving, lease on port 80"""
        self.start_lp()
        self.direct_cid = run_as_alice(*self.ctr_args, '-p',
                                       f'{DIRECT_PORT}:80', cmd=self.ctr_cmd)
        wait_port(DIRECT_PORT, self.ready)
        T.check(not E.lease_of('alice', DIRECT_PORT),
                f'port {DIRECT_PORT} got a lease: {SB.leases()!r}')

    def enter(self, arm):
        """enter() - put the sandbox in the state of @arm; its port"""
        if arm != 'bare':
            return LP_PORT if arm == 'lowport' else DIRECT_PORT
        rm_ctr(self.lp_cid)
        wait_lease(False)
        lowport_off()
        return DIRECT_PORT

    def leave(self, arm):
        """leave() - back to the common state after @arm"""
        if arm == 'bare':
            lowport_on()
            self.start_lp()

    def stop(self):
        for cid in (self.lp_cid, self.direct_cid):
            if cid:
                rm_ctr(cid)
        wait_lease(False)


def measure_arms(arms, variants, measure):
    """measure_arms() - @RUNS rounds; in each, every arm, every variant

    The arms' order rotates from round to round, so no arm always runs
    first or right after a switch.
    Return: {variant: {arm: [value, ...]}}
    """
    got = {v: {a: [] for a in ARMS} for v in variants}
    for rnd in range(RUNS):
        order = ARMS[rnd % len(ARMS):] + ARMS[:rnd % len(ARMS)]
        for arm in order:
            port = arms.enter(arm)
            try:
                for v in variants:
                    held = ct_flush()
                    value = measure(v, port)
                    got[v][arm].append(value)
                    T.info(f'round {rnd + 1} {arm:7} :{port:<5} {v:28} '
                           f'{value:10.2f}   (flushed {held} conntrack '
                           'entries first)')
            finally:
                arms.leave(arm)
    return got


# ------------------------------------------------------------ load


def wrk(variant, port):
    """wrk() - one bounded wrk run against @port for @variant

    @variant: "outside|inside, keep-alive|close"
    Return: requests per second
    """
    where, mode = variant.split(', ')
    addr = E.HOST4 if where == 'outside' else '127.0.0.1'
    cmd = ['nsenter', f'--net={SB.netns_path(where == "outside")}', 'wrk',
           f'-t{WRK_THREADS}', f'-c{CONNS}', f'-d{SECONDS}s', '--timeout', '2s']
    if mode == 'close':
        cmd += ['-H', 'Connection: close']
    cmd.append(f'http://{addr}:{port}/')
    r = T.run(cmd, timeout=SECONDS + 30)
    rps, bad = None, []
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith('Requests/sec:'):
            rps = float(line.split()[1])
        elif line.startswith('Non-2xx'):
            bad.append(line)
        elif line.startswith('Socket errors:'):
            T.info(f'  wrk {variant} :{port}: {line}')
    T.check(rps and not bad, f'wrk to {addr}:{port} ({mode}): '
            f'{"; ".join(bad) or "no requests"}\n{r.stdout}')
    return rps


def iperf3(variant, port):
    """iperf3() - one bounded iperf3 run (one TCP stream) against @port

    Return: Gbit/s the server received
    """
    outside = variant == 'outside'
    addr = E.HOST4 if outside else '127.0.0.1'
    r = SB.run([IPERF3, '-c', addr, '-p', str(port), '-t', str(SECONDS),
                '-J'], outside=outside, timeout=SECONDS + 30, check=False)
    try:
        data = json.loads(r.stdout)
    except ValueError:
        data = {'error': r.stderr.strip() or 'no JSON'}
    T.check('error' not in data, f'iperf3 to {addr}:{port}: '
            f'{data.get("error")}')
    return data['end']['sum_received']['bits_per_second'] / 1e9


def http_ready(port):
    return bool(SB.get(f'http://{E.HOST4}:{port}/', outside=True))


def iperf3_ready(port):
    r = SB.run([IPERF3, '-c', E.HOST4, '-p', str(port), '-t', '1'],
               outside=True, check=False, timeout=15)
    return r.returncode == 0


# ------------------------------------------------------------ report

RESULTS = []  # (what, unit, {arm: [values]}, higher_is_better)


def median(values):
    return statistics.median(values)


def fmt(value):
    """fmt() - a figure with as many digits as it deserves"""
    if value is None:
        return '-'
    return f'{value:.0f}' if abs(value) >= 1000 else f'{value:.2f}'


def spread(values):
    return f'{fmt(min(values))}..{fmt(max(values))}'


def overlap(lp, other):
    """overlap() - is @lp above or below every run of @other, or neither?"""
    if max(lp) < min(other):
        return 'lowport lower in every run'
    if min(lp) > max(other):
        return 'lowport higher in every run'
    return 'ranges overlap (within noise)'


def ratio(a, b):
    return '-' if a is None or not b else f'{a / b:.3f}'


def report():
    """report() - the table of medians and ratios, as TAP comments"""
    T.info('')
    T.info(f'lowport vs pasta direct, same run, alternating; data path: '
           f'medians of {RUNS} x {SECONDS} s (wrk -t{WRK_THREADS} '
           f'-c{CONNS}; iperf3 one stream); podman run: medians of '
           f'{PODMAN_RUNS}')
    head = (f'{"what":38} {"lowport :80":>12} {"direct :8080":>13} '
            f'{"bare :8080":>11} {"lp/direct":>9} {"lp/bare":>8}')
    T.info(head)
    T.info('-' * len(head))
    for what, unit, by_arm in RESULTS:
        m = {a: median(by_arm[a]) if by_arm.get(a) else None for a in ARMS}
        T.info(f'{what + " (" + unit + ")":38} {fmt(m["lowport"]):>12} '
               f'{fmt(m["direct"]):>13} {fmt(m["bare"]):>11} '
               f'{ratio(m["lowport"], m["direct"]):>9} '
               f'{ratio(m["lowport"], m["bare"]):>8}')
    T.info('spread (min..max) per arm; does lowport differ in every run?')
    for what, unit, by_arm in RESULTS:
        T.info(f'  {what + " (" + unit + ")":38} ' + '  '.join(
            f'{a} {spread(by_arm[a])}' for a in ARMS if by_arm.get(a)))
        T.info(f'  {"":38} ' + '; '.join(
            f'vs {a}: {overlap(by_arm["lowport"], by_arm[a])}'
            for a in ARMS[1:] if by_arm.get(a)))
    T.info('ratios are lowport / other: above 1 means lowport is higher '
           '(better for req/s and Gbit/s, worse for ms)')


# ------------------------------------------------------------ benchmarks


def podman_run_ms(port):
    """podman_run_ms() - one timed `podman run -d -p PORT:80` as alice

    Timed inside the sandbox, around podman alone.
    Return: (milliseconds, container ID)
    """
    script = ('a=$(date +%s%N); cid=$(podman run -d "$@") || exit $?; '
              'b=$(date +%s%N); echo "$cid $(( (b - a) / 1000 ))"')
    r = SB.run(['sh', '-c', script, 'sh', '-p', f'{port}:80', E.IMAGE],
               user='alice', timeout=E.PODMAN_TIMEOUT, check=False)
    T.check(r.returncode == 0, f'podman run -d -p {port}:80 failed '
            f'({r.returncode}): {r.stderr.strip()}')
    cid, usec = r.stdout.split()[-2:]
    return int(usec) / 1000.0, cid


def podman_once(port):
    """podman_once() - time one run, check its lease, remove it"""
    ms, cid = podman_run_ms(port)
    if port == LP_PORT:
        wait_lease(True)
    else:
        T.check(not E.lease_of('alice', port),
                f'port {port} got a lease: {SB.leases()!r}')
    rm_ctr(cid)
    if port == LP_PORT:
        wait_lease(False)
    return ms


@T.test('podman run -d: -p 80:80 (lowport) vs -p 8080:80 (pasta direct)')
def b_podman_run():
    E.need_shim()
    for port in (LP_PORT, DIRECT_PORT):
        T.info(f'warm-up -p {port}:80: {podman_once(port):.1f} ms '
               '(not counted)')
    got = {'lowport': [], 'direct': []}
    for i in range(PODMAN_RUNS):
        pair = ((LP_PORT, 'lowport'), (DIRECT_PORT, 'direct'))
        for port, arm in (pair if i % 2 == 0 else pair[::-1]):
            got[arm].append(podman_once(port))
            T.info(f'run {i + 1} -p {port}:80: {got[arm][-1]:.1f} ms')
    RESULTS.append(('podman run -d', 'ms', got))


@T.test('HTTP requests/s: port 80 through lowport vs 8080 pasta direct')
def b_http():
    E.need_shim()
    if not shutil.which('wrk'):
        T.skip('wrk is not installed on the host (apt-get install wrk)')
    if HTTPD and os.access(HTTPD, os.X_OK):
        cmd = ('bench-httpd', '80')
        T.info('server: bench-httpd (static, epoll, keep-alive)')
    else:
        cmd = ()
        T.info('server: busybox httpd (forks per request: it, not the '
               'network path, may be the bottleneck)')
    arms = Arms([], cmd, http_ready)
    variants = ('outside, keep-alive', 'outside, close',
                'inside, keep-alive', 'inside, close')
    arms.start()
    try:
        got = measure_arms(arms, variants, wrk)
    finally:
        arms.stop()
    for v in variants:
        where, mode = v.split(', ')
        addr = E.HOST4 if where == 'outside' else '127.0.0.1'
        RESULTS.append((f'HTTP {addr} {mode}', 'req/s', got[v]))


@T.test('TCP throughput (iperf3): port 80 through lowport vs 8080 pasta '
        'direct')
def b_iperf3():
    E.need_shim()
    if SB.run(['test', '-x', IPERF3], check=False).returncode:
        T.skip('the sandbox has no iperf3 (contrib/sandbox package list)')
    # The image is busybox only: the server borrows the sandbox's /usr.
    arms = Arms(['-v', '/usr:/usr:ro'], (LDSO, IPERF3, '-s', '-p', '80'),
                iperf3_ready)
    variants = ('outside', 'inside')
    arms.start()
    try:
        got = measure_arms(arms, variants, iperf3)
    finally:
        arms.stop()
    for v in variants:
        addr = E.HOST4 if v == 'outside' else '127.0.0.1'
        RESULTS.append((f'TCP {addr} iperf3', 'Gbit/s', got[v]))


# ------------------------------------------------------------ runner


def prepare():
    """prepare() - build/reuse the root, start the sandbox, install lowport"""
    global SB
    r = subprocess.run([E.SANDBOX, 'build'], capture_output=True, text=True,
                       timeout=1500)
    if r.returncode == 77:
        E.skip_all(r.stderr.strip().splitlines()[-1])
    if r.returncode != 0:
        print(f'Bail out! sandbox build failed: {r.stderr.strip()}',
              flush=True)
        sys.exit(1)
    SB = E.Sandbox()
    E.SB = SB
    SB.start()
    SB.install(E.BUILD_ROOT)
    extra = [HTTPD] if HTTPD and os.access(HTTPD, os.X_OK) else []
    SB.image(extra)
    SB.lowportd('start')
    T.info(SB.run(['sh', '-c', 'podman --version; dpkg-query -W -f '
                   '"pasta (passt) \\${Version}\\n" passt; nproc']).stdout)
    wrk_path = shutil.which('wrk')
    if wrk_path:
        T.info(T.run([wrk_path, '--version'], check_rc=False)
               .stdout.splitlines()[0])


def main():
    tests = [t for t in T.TESTS if t[1].__module__ == __name__]
    E.run_suite(tests, skip_env='LOWPORT_BENCH_SKIP', test_timeout=900,
                prepare_fn=prepare, what='bench-e2e', after=report)


if __name__ == '__main__':
    main()
