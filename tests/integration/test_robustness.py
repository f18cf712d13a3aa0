# SPDX-License-Identifier: GPL-2.0-or-later
"""test_robustness.py - bad clients get one error each and never stop lowportd

All tests share one lowportd: the last one checks that the very process
started first is still alive and serving.

Copyright lowport authors
"""

import os
import random
import socket
import sys
import time

sys.dont_write_bytecode = True
import lptest as lp  # noqa: E402
from lptest import (ALICE, BOB, CAROL, DAVE, Env, check, eq,  # noqa: E402
                    expect_error, expect_ok, mapping, test, tcp_get)

REQUEST_TIMEOUT = 2
_shared = {}


def env():
    """env() - the one lowportd of this script, started on first use"""
    if 'env' not in _shared:
        e = Env(request_timeout=REQUEST_TIMEOUT, max_clients=128, shared=True)
        _shared['env'] = e
        _shared['pid'] = e.daemon.pid
    e = _shared['env']
    check(e.alive(), f'lowportd (pid {_shared["pid"]}) is not running')
    return e


def still_serving(e, what):
    """still_serving() - lowportd alive and a normal request succeeds"""
    check(e.alive(), f'lowportd died after {what}')
    st = e.status(BOB)
    check(isinstance(st.get('leases'), int),
          f'status after {what}: {st!r}')


def forward_works(e, what, user=ALICE, port=80, backend_port=30080):
    """forward_works() - a full forward succeeds and carries traffic, then
    is released again"""
    b = e.backend(user, tcp=[backend_port])
    try:
        lease_id = e.lease(user, [mapping('tcp', port, backend_port)], b)
        check(b.says(tcp_get('127.0.0.1', port)),
              f'forward after {what} carries no traffic')
        expect_ok(e.release(user, lease_id), 'release')
    finally:
        b.close()
        e.backends.remove(b)


@test('malformed JSON gets bad-request, the next client is served')
def malformed():
    e = env()
    for data in (b'{"version":1,"op":\n', b'not json at all\n',
                 b'\x00\xff\xfe{\n'):
        res = e.client(ALICE, data).result()
        expect_error(res, 'bad-request', prefix='malformed request: ',
                     what=f'request {data!r}')
    still_serving(e, 'malformed requests')
    forward_works(e, 'malformed requests')


@test('oversized request gets too-large and is closed, the next client is '
      'served')
def oversized():
    e = env()
    for data in (b'x' * 70000, b'{"version":1,"op":"status","pad":"' +
                 b'p' * 70000 + b'"}\n', b'y' * (1 << 20)):
        res = e.client(ALICE, data, check_eof=2.0).result()
        expect_error(res, 'too-large', 'request too large (limit 65536 bytes)',
                     what=f'{len(data)} bytes')
        check(res.eof, f'connection not closed after too-large: {res!r}')
    still_serving(e, 'oversized requests')
    forward_works(e, 'oversized requests')


@test('slow client gets timeout after --request-timeout; others are served '
      'meanwhile')
def slow_client():
    e = env()
    line = lp.request_bytes({'version': 1, 'op': 'status'})
    slow = [e.client(DAVE, line[:len(line) // 2], timeout=REQUEST_TIMEOUT + 4)
            for _ in range(3)]
    time.sleep(0.2)
    start = time.monotonic()
    st = e.status(BOB)
    elapsed = time.monotonic() - start
    check(isinstance(st.get('leases'), int), f'status: {st!r}')
    check(elapsed < 1.0, f'status took {elapsed:.2f} s while slow clients '
          f'were connected')
    forward_works(e, 'slow clients connected')
    for c in slow:
        res = c.result()
        expect_error(res, 'timeout',
                     f'request not received within {REQUEST_TIMEOUT} seconds',
                     what='slow client')
        check(REQUEST_TIMEOUT - 0.5 <= res.elapsed <= REQUEST_TIMEOUT + 2,
              f'timeout reply after {res.elapsed:.2f} s')
    still_serving(e, 'slow clients')


@test('50 concurrent status/list clients of different uids plus 4 forwards '
      'are all answered')
def concurrent():
    e = env()
    users = [ALICE, BOB, CAROL, DAVE]
    clients = []
    for i in range(50):
        op = 'status' if i % 2 else 'list'
        data = lp.request_bytes({'version': 1, 'op': op})
        clients.append((op, users[i % 4],
                        e.client(users[i % 4], data, wait_go=True,
                                 timeout=10.0)))
    fwd = [(ALICE, 80, 30080), (BOB, 443, 30443), (CAROL, 1020, 31020),
           (DAVE, 85, 30085)]
    backends = []
    for user, port, bport in fwd:
        b = e.backend(user, tcp=[bport])
        backends.append((user, port, b))
        obj = {'version': 1, 'op': 'forward', 'netns': e.netns_path,
               'mappings': [mapping('tcp', port, bport)]}
        # the listeners, as Env.forward() hands them over
        fds = b.listener_fds({bport}) if e.datapath != 'nat' else []
        if fds:
            obj['listeners'] = len(fds)
        try:
            clients.append(('forward', user,
                            e.client(user, lp.request_bytes(obj), pidfd_of=b,
                                     more_fds=fds, wait_go=True,
                                     timeout=10.0)))
        finally:
            for fd in fds:
                os.close(fd)
    for _, _, c in clients:
        c.go()
    leases = {}
    for op, user, c in clients:
        r = expect_ok(c.result(), f'{op} as uid {user.uid}')
        if op == 'status':
            check(isinstance(r.get('status'), dict) and
                  isinstance(r['status'].get('leases'), int),
                  f'status reply: {r!r}')
        elif op == 'list':
            check(isinstance(r.get('leases'), list), f'list reply: {r!r}')
        else:
            leases[user.uid] = (r.get('lease') or {}).get('id')
    for user, port, b in backends:
        lease_id = leases.get(user.uid)
        check(lease_id, f'no lease for uid {user.uid}')
        eq({x.get('id') for x in e.list(user)}, {lease_id},
           f'leases of uid {user.uid}')
        check(b.says(tcp_get('127.0.0.1', port)),
              f'port {port} does not reach uid {user.uid}\'s backend')
        expect_ok(e.release(user, lease_id), 'release')
        b.close()
        e.backends.remove(b)
    still_serving(e, 'concurrent clients')


def valid_error_or_nothing(res, what):
    if not res.raw:
        return
    r = res.reply
    check(r is not None, f'{what}: reply is not JSON: {res.raw[:200]!r}')
    check(r.get('ok') is False and isinstance(r.get('error'), dict) and
          isinstance(r['error'].get('code'), str),
          f'{what}: not an error reply: {r!r}')


def early_disconnects(path):
    """early_disconnects() - clients that go away before the reply"""
    status = lp.request_bytes({'version': 1, 'op': 'status'})
    payloads = [b'', b'{"version":1', status, status * 3, b'\n' * 10]
    for i in range(30):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2.0)
            s.connect(path)
            data = payloads[i % len(payloads)]
            if data:
                s.sendall(data)
            if i % 3 == 0:
                s.shutdown(socket.SHUT_RDWR)
            # closed here, before (or while) lowportd answers


@test('garbage bytes and early disconnects do not stop lowportd')
def garbage():
    e = env()
    rng = random.Random(20240601)
    clients = []
    for i in range(24):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4096)))
        if i % 2:
            data += b'\n'
        clients.append((i, e.client(ALICE, data, shut_wr=bool(i % 3),
                                    timeout=REQUEST_TIMEOUT + 3)))
    for i, c in clients:
        valid_error_or_nothing(c.result(), f'garbage #{i}')
    still_serving(e, 'garbage')
    early_disconnects(e.socket)
    still_serving(e, 'early disconnects')
    forward_works(e, 'garbage and early disconnects')


LINGER_CODE = r"""
import json, socket, struct, sys, time
path = sys.argv[1]
def stuck_socket():
    # a TCP socket whose unsent data sits behind a zero window, lingering
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ls.bind(("127.0.0.1", 0))
    ls.listen()
    c = socket.socket()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    c.connect(ls.getsockname())
    a, _ = ls.accept()  # never reads
    c.setblocking(False)
    try:
        while True:
            c.send(b"x" * 4096)
    except BlockingIOError:
        pass
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 30))
    return ls, a, c
keep = []
replies = []
for after in (False, True):  # the socket with the request, or after it
    ls, a, c = stuck_socket()
    keep += [ls, a]
    u = socket.socket(socket.AF_UNIX)
    u.settimeout(5)
    u.connect(path)
    req = b'{"version":1,"op":"status"}\n'
    if after:
        u.sendall(req)
        socket.send_fds(u, [b" "], [c.fileno()])
    else:
        socket.send_fds(u, [req], [c.fileno()])
    c.close()  # lowportd now holds the last reference
    replies.append(u.makefile("rb").readline().decode())
    u.close()
print(json.dumps(replies), flush=True)
time.sleep(float(sys.argv[2]))  # keep the zero windows while lowportd works
"""


@test('a lingering socket passed with a request does not stall lowportd')
def lingering_fd():
    e = env()
    proc = lp._track(lp.subprocess.Popen(
        [lp.PYTHON, '-I', '-c', LINGER_CODE, e.socket, '6'],
        stdout=lp.subprocess.PIPE, env=lp._user_env(),
        **lp.MALLORY.popen_kwargs()))
    try:
        line = proc.stdout.readline()
        replies = lp.json.loads(line or b'[]')
        eq(len(replies), 2, 'replies to the two requests')
        for r in replies:
            check('"ok":true' in r, f'status with a passed socket: {r!r}')
        # while those sockets are closed, lowportd must keep answering
        t0 = time.monotonic()
        for _ in range(3):
            still_serving(e, 'lingering sockets')
        check(time.monotonic() - t0 < 2.0,
              f'lowportd took {time.monotonic() - t0:.1f} s to answer')
        forward_works(e, 'lingering sockets')
    finally:
        lp.stop_process(proc)


HOARD_CODE = r"""
import json, socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
conns = []
for _ in range(n):
    u = socket.socket(socket.AF_UNIX)
    u.settimeout(3)
    u.connect(path)
    conns.append(u)
# what each connection got within half a second (well within the timeout)
time.sleep(0.5)
got = []
for u in conns:
    u.setblocking(False)
    try:
        got.append(u.recv(4096).decode())
    except BlockingIOError:
        got.append("")
print(json.dumps(got), flush=True)
time.sleep(float(sys.argv[3]))
"""


@test('one user holding many connections cannot lock others out')
def per_uid_cap():
    e = env()
    proc = lp._track(lp.subprocess.Popen(
        [lp.PYTHON, '-I', '-c', HOARD_CODE, e.socket, '24', '3'],
        stdout=lp.subprocess.PIPE, env=lp._user_env(),
        **lp.MALLORY.popen_kwargs()))
    try:
        got = lp.json.loads(proc.stdout.readline() or b'[]')
        eq(len(got), 24, 'connections reported')
        eq(got[:16], [''] * 16, 'the first 16 connections, still open')
        refused = got[16:]
        for r in refused:
            check('"code":"limit"' in r and
                  'too many connections from this user' in r,
                  f'refusal: {r!r}')
        still_serving(e, 'one user holding 16 connections')
    finally:
        lp.stop_process(proc)



@test('the same lowportd process is alive and serving at the end')
def alive_at_end():
    e = env()
    eq(e.daemon.pid, _shared['pid'], 'lowportd pid')
    check(e.alive(), 'lowportd is not running')
    st = e.status(ALICE)
    eq(st.get('leases'), 0, 'leases left after all tests')
    forward_works(e, 'all robustness tests')
    check(e.sanitizer_report() is None,
          f'sanitizer report in the lowportd log: {e.sanitizer_report()}')


if __name__ == '__main__':
    lp.main()
