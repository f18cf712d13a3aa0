# SPDX-License-Identifier: GPL-2.0-or-later
"""test_refusals.py - every refusal has its code and message, and changes nothing

Copyright lowport authors
"""

import os
import socket
import sys

sys.dont_write_bytecode = True
import lptest as lp  # noqa: E402
from lptest import (ALICE, BOB, DAVE, HOST4, MALLORY, PEER_NS,  # noqa: E402
                    Env, check, eq, expect_error, expect_ok, mapping, test,
                    tcp_get, udp_ask)


class Snapshot:
    """Snapshot - what a refused request must leave alone

    The whole table inet lowport (with rule handles), the steering map
    (keys and sockets) and @user's leases.
    """

    def __init__(self, env, user):
        self.env = env
        self.user = user
        self.kernel = env.kernel_state()
        self.leases = sorted(lease.get('id') for lease in env.list(user))

    def unchanged(self, port=None, proto='tcp', backends=()):
        """unchanged() - fail if the table or leases changed, or if @port
        now reaches one of @backends"""
        self.env.expect_kernel(self.kernel, 'after a refusal')
        leases = sorted(lease.get('id') for lease in self.env.list(self.user))
        eq(leases, self.leases, f'leases of uid {self.user.uid} after refusal')
        if port is None:
            return
        for b in backends:
            for addr, ns in (('127.0.0.1', None), (HOST4, PEER_NS)):
                if proto == 'tcp':
                    text = tcp_get(addr, port, ns=ns)
                else:
                    text = udp_ask(addr, port, 'probe', ns=ns, timeout=0.5)
                check(not b.says(text),
                      f'{proto} {addr}:{port} reaches {b.tag} after a '
                      f'refusal: {text!r}')


@test('user not granted any port: not-granted')
def user_not_granted():
    with Env() as env:
        b = env.backend(MALLORY, tcp=[30080])
        snap = Snapshot(env, MALLORY)
        res = env.forward(MALLORY, [mapping('tcp', 80, 30080)], b)
        expect_error(res, 'not-granted',
                     f'user {MALLORY.label} is not granted any port by the '
                     f'lowport policy')
        snap.unchanged(80, backends=[b])


@test('port not granted: not-granted')
def port_not_granted():
    with Env() as env:
        b = env.backend(ALICE, tcp=[30081])
        snap = Snapshot(env, ALICE)
        res = env.forward(ALICE, [mapping('tcp', 81, 30081)], b)
        expect_error(res, 'not-granted',
                     f'port 81/tcp on 0.0.0.0 is not granted to user '
                     f'{ALICE.label}')
        snap.unchanged(81, backends=[b])


@test('port not granted on a specific address names that address')
def port_not_granted_scoped():
    with Env() as env:
        b = env.backend(ALICE, tcp=[30081])
        snap = Snapshot(env, ALICE)
        res = env.forward(ALICE, [mapping('tcp', 81, 30081,
                                          addr='127.0.0.1')], b)
        expect_error(res, 'not-granted',
                     f'port 81/tcp on 127.0.0.1 is not granted to user '
                     f'{ALICE.label}')
        snap.unchanged(81, backends=[b])


@test('one refused mapping refuses the whole request')
def partial_grant():
    with Env() as env:
        b = env.backend(ALICE, tcp=[30080, 30081])
        snap = Snapshot(env, ALICE)
        res = env.forward(ALICE, [mapping('tcp', 80, 30080),
                                  mapping('tcp', 81, 30081)], b)
        expect_error(res, 'not-granted',
                     f'port 81/tcp on 0.0.0.0 is not granted to user '
                     f'{ALICE.label}')
        snap.unchanged(80, backends=[b])


@test('backend port owned by another uid: backend')
def backend_other_uid():
    with Env() as env:
        theirs = env.backend(BOB, tcp=[30080])
        mine = env.backend(ALICE)  # pasta without the backend socket
        snap = Snapshot(env, ALICE)
        res = env.forward(ALICE, [mapping('tcp', 80, 30080)], mine)
        expect_error(res, 'backend',
                     f'backend port 30080/tcp is owned by uid {BOB.uid}, '
                     f'not by you (uid {ALICE.uid})')
        snap.unchanged(80, backends=[theirs])


@test('backend tcp port not listening: backend')
def backend_not_bound_tcp():
    with Env() as env:
        mine = env.backend(ALICE)
        snap = Snapshot(env, ALICE)
        res = env.forward(ALICE, [mapping('tcp', 80, 30080)], mine)
        expect_error(res, 'backend',
                     f'backend port 30080/tcp has no listening socket of '
                     f'uid {ALICE.uid}')
        snap.unchanged(80)


@test('backend udp port not bound: backend')
def backend_not_bound_udp():
    with Env() as env:
        mine = env.backend(ALICE)
        snap = Snapshot(env, ALICE)
        res = env.forward(ALICE, [mapping('udp', 53, 30053)], mine)
        expect_error(res, 'backend',
                     f'backend port 30053/udp has no bound socket of '
                     f'uid {ALICE.uid}')
        snap.unchanged(53, 'udp')


@test('privileged port held by a host socket: port-in-use')
def port_in_use():
    with Env() as env:
        b = env.backend(ALICE, tcp=[30080])
        env.server('0.0.0.0', 80, 'host-service')
        snap = Snapshot(env, ALICE)
        res = env.forward(ALICE, [mapping('tcp', 80, 30080)], b)
        expect_error(res, 'port-in-use',
                     'port 80/tcp on 0.0.0.0 is already in use by a host '
                     'socket (uid 0)')
        snap.unchanged(80, backends=[b])
        text = tcp_get('127.0.0.1', 80)
        check(text is not None and text.startswith('host-service'),
              f'127.0.0.1:80 no longer reaches the host service: {text!r}')


@test('port already forwarded for another user: conflict')
def conflict():
    with Env() as env:
        a = env.backend(ALICE, tcp=[30080])
        env.lease(ALICE, [mapping('tcp', 80, 30080)], a)
        b = env.backend(BOB, tcp=[30090])
        snap = Snapshot(env, BOB)
        res = env.forward(BOB, [mapping('tcp', 80, 30090)], b)
        expect_error(res, 'conflict',
                     'port 80/tcp on 0.0.0.0 is already forwarded for '
                     'another user')
        snap.unchanged(80, backends=[b])
        check(a.says(tcp_get('127.0.0.1', 80)),
              'the first user\'s lease no longer carries port 80')


@test('address-scoped request overlapping an every-address lease: conflict')
def conflict_scoped():
    with Env() as env:
        a = env.backend(ALICE, tcp=[30080])
        env.lease(ALICE, [mapping('tcp', 80, 30080)], a)
        b = env.backend(BOB, tcp=[30090])
        snap = Snapshot(env, BOB)
        res = env.forward(BOB, [mapping('tcp', 80, 30090,
                                        addr='127.0.0.1')], b)
        expect_error(res, 'conflict',
                     'port 80/tcp on 127.0.0.1 is already forwarded for '
                     'another user')
        snap.unchanged(80, backends=[b])


def lease_in_netns(env, user, port, backend_port, name):
    """lease_in_netns() - a TCP lease of @user whose netns path is a file
    @name in @env's directory; return (backend, lease ID, netns path)"""
    b = env.backend(user, tcp=[backend_port])
    path = os.path.join(env.dir, name)
    open(path, 'w').close()
    r = expect_ok(env.forward(user, [mapping('tcp', port, backend_port)], b,
                              netns=path), 'forward')
    return b, r['lease']['id'], path


@test('own lease whose netns still exists: conflict naming the lease')
def conflict_own():
    with Env() as env:
        a, first, _ = lease_in_netns(env, ALICE, 80, 30080, 'netns-a')
        b = env.backend(ALICE, tcp=[30081])
        snap = Snapshot(env, ALICE)
        path = os.path.join(env.dir, 'netns-b')
        open(path, 'w').close()
        res = env.forward(ALICE, [mapping('tcp', 80, 30081)], b, netns=path)
        expect_error(res, 'conflict',
                     f'port 80/tcp on 0.0.0.0 is already forwarded by your '
                     f'lease {first}')
        snap.unchanged(80, backends=[b])
        check(a.says(tcp_get('127.0.0.1', 80)),
              'the first lease no longer carries port 80')


@test('another user\'s lease whose netns is gone: still a conflict')
def conflict_other_netns_gone():
    with Env() as env:
        a, first, path = lease_in_netns(env, ALICE, 80, 30080, 'netns-a')
        os.unlink(path)
        b = env.backend(BOB, tcp=[30090])
        snap = Snapshot(env, BOB)
        res = env.forward(BOB, [mapping('tcp', 80, 30090)], b)
        expect_error(res, 'conflict',
                     'port 80/tcp on 0.0.0.0 is already forwarded for '
                     'another user')
        snap.unchanged(80, backends=[b])
        eq(env.lease_ids(ALICE), {first}, 'leases of the first user')
        check(a.says(tcp_get('127.0.0.1', 80)),
              'the first user\'s lease no longer carries port 80')


@test('max-forwards exceeded: limit')
def max_forwards():
    with Env() as env:
        b = env.backend(DAVE, tcp=[30080, 30081, 30082])
        env.lease(DAVE, [mapping('tcp', 80, 30080)], b)
        env.lease(DAVE, [mapping('tcp', 81, 30081)], b)
        snap = Snapshot(env, DAVE)
        res = env.forward(DAVE, [mapping('tcp', 82, 30082)], b)
        expect_error(res, 'limit',
                     f'user {DAVE.label} would exceed max-forwards: '
                     f'2 forwarded + 1 requested > 2')
        snap.unchanged(82, backends=[b])


@test('pidfd of another user\'s process: pidfd')
def pidfd_other_user():
    with Env() as env:
        mine = env.backend(ALICE, tcp=[30080])
        theirs = env.backend(BOB)
        snap = Snapshot(env, ALICE)
        res = env.forward(ALICE, [mapping('tcp', 80, 30080)], mine,
                          pidfd_of=theirs)
        expect_error(res, 'pidfd',
                     f'pidfd process {theirs.pid} belongs to uid {BOB.uid}, '
                     f'not to uid {ALICE.uid}')
        snap.unchanged(80, backends=[mine])


@test('forward without a pidfd: pidfd')
def no_pidfd():
    with Env() as env:
        mine = env.backend(ALICE, tcp=[30080])
        snap = Snapshot(env, ALICE)
        res = env.forward(ALICE, [mapping('tcp', 80, 30080)], mine,
                          pidfd_of=None)
        expect_error(res, 'pidfd', 'forward request carries no pidfd')
        snap.unchanged(80, backends=[mine])


@test('malformed JSON: bad-request')
def malformed():
    with Env() as env:
        snap = Snapshot(env, ALICE)
        res = env.client(ALICE, b'{"version":1,"op":\n').result()
        expect_error(res, 'bad-request', prefix='malformed request: ')
        snap.unchanged()


@test('request over 65536 bytes without a newline: too-large, then close')
def too_large_no_newline():
    with Env() as env:
        snap = Snapshot(env, ALICE)
        res = env.client(ALICE, b'{' + b' ' * 70000, check_eof=2.0).result()
        expect_error(res, 'too-large', 'request too large (limit 65536 bytes)')
        check(res.eof, f'connection not closed after too-large: {res!r}')
        snap.unchanged()


@test('one request line over 65536 bytes: too-large, then close')
def too_large_line():
    with Env() as env:
        b = env.backend(ALICE, tcp=[30080])
        snap = Snapshot(env, ALICE)
        obj = {'version': 1, 'op': 'forward', 'netns': '/' + 'n' * 70000,
               'mappings': [mapping('tcp', 80, 30080)]}
        res = env.client(ALICE, lp.request_bytes(obj), pidfd_of=b,
                         check_eof=2.0).result()
        expect_error(res, 'too-large', 'request too large (limit 65536 bytes)')
        check(res.eof, f'connection not closed after too-large: {res!r}')
        snap.unchanged(80, backends=[b])


@test('request not complete within --request-timeout: timeout')
def slow_client():
    with Env(request_timeout=2) as env:
        b = env.backend(ALICE, tcp=[30080])
        snap = Snapshot(env, ALICE)
        line = lp.request_bytes({'version': 1, 'op': 'forward',
                                 'netns': env.netns_path,
                                 'mappings': [mapping('tcp', 80, 30080)]})
        res = env.client(ALICE, line[:len(line) // 2], pidfd_of=b,
                         timeout=6.0).result()
        expect_error(res, 'timeout', 'request not received within 2 seconds')
        check(1.5 <= res.elapsed <= 4.0,
              f'timeout reply after {res.elapsed:.2f} s, want about 2 s')
        snap.unchanged(80, backends=[b])


@test('release of another user\'s lease: permission, lease kept')
def release_other():
    with Env() as env:
        a = env.backend(ALICE, tcp=[30080])
        lease_id = env.lease(ALICE, [mapping('tcp', 80, 30080)], a)
        snap = Snapshot(env, ALICE)
        res = env.release(BOB, lease_id)
        expect_error(res, 'permission',
                     f'lease {lease_id} belongs to another user')
        snap.unchanged()
        check(a.says(tcp_get('127.0.0.1', 80)),
              'port 80 no longer reaches the owner\'s backend')


@test('release of an unknown lease: not-found')
def release_unknown():
    with Env() as env:
        a = env.backend(ALICE, tcp=[30080])
        env.lease(ALICE, [mapping('tcp', 80, 30080)], a)
        snap = Snapshot(env, ALICE)
        res = env.release(ALICE, 'nosuchlease0')
        expect_error(res, 'not-found', 'no lease nosuchlease0')
        snap.unchanged()
        expect_ok(env.release(ALICE, next(iter(snap.leases))),
                  'release of the real lease')


# Last: the TIME_WAIT socket it leaves on port 80 lives on for 60 s.
@test('not a refusal: TIME_WAIT left by a stopped host service on port 80')
def time_wait_is_not_in_use():
    with Env() as env:
        # a host service answers once and closes first: its side of the
        # connection (local port 80) stays in TIME_WAIT after it stops
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as srv:
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind(('0.0.0.0', 80))
            srv.listen(1)
            with socket.create_connection(('127.0.0.1', 80), 2.0) as cli:
                conn, _ = srv.accept()
                conn.close()
                cli.recv(1)
        ss = lp.run(['ss', '-tanH', 'state', 'time-wait', 'sport', '= :80'])
        check(ss.stdout.strip(), 'test bug: no TIME_WAIT socket on port 80')
        b = env.backend(ALICE, tcp=[30080])
        env.lease(ALICE, [mapping('tcp', 80, 30080)], b)
        check(b.says(tcp_get('127.0.0.1', 80)), 'port 80 does not reach the '
              'backend')


if __name__ == '__main__':
    lp.main()
