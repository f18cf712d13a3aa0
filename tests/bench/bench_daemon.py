#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench_daemon.py - lowportd at scale: 10,000 leases through the real socket

In namespaces of its own (the integration harness), one user process holds
10,000 backend listeners; one client as that user asks for 10,000 forwards
(10 loopback addresses x ports 1-1000), one connection each, timing every
request. Reported, never asserted: request latency early vs late (ratio),
lowportd's RSS with 0 and with 10,000 leases, and how long lowportd takes to
remove all 10,000 when their process dies. Asserted: every forward is
admitted and every lease is removed (the benchmark is void otherwise).
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'integration'))
import lptest as lp  # noqa: E402

# lowportd holds a pidfd and a reservation socket per lease: on a machine
# whose hard descriptor limit cannot hold 10,000 of each, use fewer (said)
_HARD = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
LEASES = min(int(os.environ.get('LOWPORT_BENCH_LEASES', '10000')),
             (_HARD - 256) // 2)
ADDRS = 10
USER = lp.User(4201)
POLICY = """\
[allow bench]
users = 4201
ports = 1-1023
protocols = tcp
max-forwards = 65535
"""

BACKEND = r'''
import socket, sys, time
first, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for port in range(first, first + n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(8)
    socks.append(s)
print("ready", flush=True)
time.sleep(3600)
'''

CLIENT = r'''
import json, os, socket, sys, time
a = json.loads(sys.argv[1])
pidfd = a["pidfd"]
out = []
plan = [("127.1.0.%d" % (i // 1000 + 1), i % 1000 + 1, a["first"] + i)
        for i in range(a["count"])]
for i, (addr, port, backend) in enumerate(plan):
    req = {"version": 1, "op": "forward", "netns": "",
           "mappings": [{"proto": "tcp", "host_addr": addr, "host_port": port,
                         "backend_port": backend, "range": 1}]}
    t0 = time.perf_counter()
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(a["socket"])
    socket.send_fds(s, [json.dumps(req).encode() + b"\n"], [pidfd])
    reply = s.makefile("rb").readline()
    out.append(time.perf_counter() - t0)
    s.close()
    r = json.loads(reply)
    if not r.get("ok"):
        print(json.dumps({"error": r, "at": i}))
        sys.exit(1)
print(json.dumps({"latency": out}))
'''


def rss_kib(pid):
    """rss_kib() - (VmRSS, RssAnon) of @pid in KiB: all resident memory, and
    the part that is the process's own (heap, stacks) rather than shared
    library pages"""
    got = {}
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            key, _, value = line.partition(':')
            if key in ('VmRSS', 'RssAnon'):
                got[key] = int(value.split()[0])
    return got.get('VmRSS', -1), got.get('RssAnon', -1)


def plan():
    """plan() - (address, port, backend port) of every lease"""
    return [(f'127.1.0.{i // 1000 + 1}', i % 1000 + 1, 20000 + i)
            for i in range(LEASES)]


def pct(values, p):
    v = sorted(values)
    return v[int((len(v) - 1) * p / 100)]


@lp.test(f'{LEASES} leases through lowportd: latency, RSS, teardown')
def bench():
    leases = plan()
    lp.check(LEASES <= ADDRS * 1000, 'at most 10,000 leases in this plan')
    # state on tmpfs, as /run is in production (private mount namespace)
    tmp = tempfile.mkdtemp(prefix='lpbench-')
    subprocess.run(['mount', '-t', 'tmpfs', 'lpbench', tmp], check=True)
    tempfile.tempdir = tmp
    with lp.Env(policy=POLICY) as env:
        pid = env.daemon.pid
        rss0 = rss_kib(pid)
        # the "pasta": one process of the user holding every backend port
        backend = lp._track(subprocess.Popen(
            [lp.PYTHON, '-I', '-c', BACKEND, str(leases[0][2]),
             str(LEASES)], stdout=subprocess.PIPE, **USER.popen_kwargs()))
        lp.eq(backend.stdout.readline().strip(), b'ready', 'backend')
        fd = os.pidfd_open(backend.pid)
        t0 = time.monotonic()
        res = subprocess.run(
            [lp.PYTHON, '-I', '-c', CLIENT,
             json.dumps({'socket': env.socket, 'pidfd': fd,
                         'first': leases[0][2], 'count': LEASES})],
            capture_output=True, text=True, pass_fds=(fd,),
            timeout=600, **USER.popen_kwargs())
        total = time.monotonic() - t0
        lp.check(res.returncode == 0,
                 f'client failed: {res.stdout[-500:]} {res.stderr[-500:]}')
        lat = json.loads(res.stdout.strip().splitlines()[-1])['latency']
        lp.eq(len(lat), LEASES, 'admitted forwards')
        rss1 = rss_kib(pid)
        lp.eq(env.status()['leases_total'], LEASES, 'leases held')
        lp.eq(len(lp.nft_lease_ids()), LEASES, 'leases in the table')
        # every lease lives with the backend process: kill it, time removal
        t1 = time.monotonic()
        lp.stop_process(backend, lp.signal.SIGKILL)
        os.close(fd)
        gone = lp.wait_until(lambda: env.status()['leases_total'] == 0,
                             timeout=120, interval=0.05)
        removal = time.monotonic() - t1
        lp.check(gone, 'leases not removed after their process died')
        lp.eq(len(lp.nft_lease_ids()), 0, 'leases left in the table')
        n = min(200, LEASES // 4) or 1
        early, late = lat[:n], lat[-n:]
        ms = 1000.0
        lp.info(f'forward requests: {LEASES} in {total:.1f} s '
                f'({LEASES / total:.0f}/s), one connection each')
        lp.info(f'latency first {n}: p50 {statistics.median(early) * ms:.2f} '
                f'ms, p99 {pct(early, 99) * ms:.2f} ms')
        lp.info(f'latency last {n}:  p50 {statistics.median(late) * ms:.2f} '
                f'ms, p99 {pct(late, 99) * ms:.2f} ms')
        lp.info(f'ratio last/first p50: '
                f'{statistics.median(late) / statistics.median(early):.2f}')
        lp.info(f'lowportd RSS: {rss0[0] / 1024:.1f} MiB with 0 leases, '
                f'{rss1[0] / 1024:.1f} MiB with {LEASES} (anonymous: '
                f'{rss0[1] / 1024:.1f} -> {rss1[1] / 1024:.1f} MiB, '
                f'{(rss1[1] - rss0[1]) * 1024 / LEASES:.0f} bytes per lease)')
        lp.info(f'removal of {LEASES} leases after their process died: '
                f'{removal:.2f} s')


if __name__ == '__main__':
    resource.setrlimit(resource.RLIMIT_NOFILE, (_HARD, _HARD))
    if LEASES < 10000:
        print(f'# descriptor limit {_HARD}: benchmarking {LEASES} leases')
    lp.main()
