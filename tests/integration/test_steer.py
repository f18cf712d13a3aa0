# SPDX-License-Identifier: GPL-2.0-or-later
"""test_steer.py - the BPF sk_lookup data path as a user sees it

TCP leases whose helper hands over its listening sockets are steered onto
those very sockets (plugin/daemon/steering.c): no NAT, no conntrack, the
backend sees port 80 and the client's own address, and traffic can only
ever reach the sockets admitted. Every Env here has datapath = steer
unless a test names another, whatever LPTEST_DATAPATH says.

Copyright lowport authors
"""

import json
import os
import re
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True
import lptest as lp  # noqa: E402
from lptest import (ALICE, BOB, HOST4, HOST6, PEER4, PEER6,  # noqa: E402
                    PEER_NS, Env, check, eq, expect_error, expect_ok, info,
                    mapping, tcp_get, test, udp_ask, wait_until)

lp.DATAPATH = 'steer'  # the default of every Env of this script

# a second outside namespace, routed through ours (forwarded traffic)
FAR_NS = 'lp-far'
FAR_HOST_IF = 'lp-fh'
FAR_IF = 'lp-f'
FAR_GW4, FAR4 = '198.51.100.1', '198.51.100.2'
FAR_GW6, FAR6 = '2001:db8:2::1', '2001:db8:2::2'

# every way a client reaches port 80: (address, netns, source it has)
CLIENTS = [('127.0.0.1', None, '127.0.0.1'), ('::1', None, '::1'),
           (HOST4, PEER_NS, PEER4), (HOST6, PEER_NS, PEER6)]


def web(env, user=ALICE, port=80, backend_port=30080, **kw):
    """web() - a steered TCP lease @port -> @backend_port of @user"""
    b = env.backend(user, tcp=[backend_port], **kw)
    lease_id = env.lease(user, [mapping('tcp', port, backend_port)], b)
    return b, lease_id


def reaches(b, port=80):
    """reaches() - the clients of CLIENTS whose connection to @port gets
    to @b; return {address: reply}"""
    out = {}
    for addr, ns, _ in CLIENTS:
        text = tcp_get(addr, port, ns=ns)
        if b.says(text):
            out[addr] = text
    return out


def expect_flows(b, what, port=80):
    got = reaches(b, port)
    eq(sorted(got), sorted(a for a, _, _ in CLIENTS),
       f'{what}: addresses whose port {port} reaches {b.tag}')


def expect_no_flow(b, what, port=80):
    got = reaches(b, port)
    eq(got, {}, f'{what}: connections to port {port} that reach {b.tag}')


def hook_chains():
    """hook_chains() - names of the base chains of table inet lowport"""
    return sorted(n for n, c in lp.nft_chains().items() if c.get('hook'))


def _tcp_get_from(addr, port, sport):
    """_tcp_get_from() - like tcp_get(), from source port @sport"""
    with socket.socket(lp._family(addr), socket.SOCK_STREAM) as s:
        s.settimeout(2.0)
        s.bind(('0.0.0.0' if ':' not in addr else '::', sport))
        s.connect((addr, port))
        return s.recv(4096).decode(errors='replace').strip()


def conntracked(sport):
    """conntracked() - does this namespace's conntrack table hold a TCP
    connection from source port @sport to port 80? (None of it runs
    unless something in the namespace asks for it: a nat chain does)"""
    try:
        with open('/proc/net/nf_conntrack') as f:
            lines = f.read().splitlines()
    except FileNotFoundError:  # nf_conntrack not even loaded
        return []
    return [x for x in lines
            if f' sport={sport} dport=80 ' in x and ' tcp ' in x]


def snapshot(env, user):
    """snapshot() - the kernel state and @user's leases"""
    return env.kernel_state(), sorted(env.lease_ids(user))


def expect_snapshot(env, user, snap, what):
    env.expect_kernel(snap[0], what)
    eq(sorted(env.lease_ids(user)), snap[1], f'{what}: leases of {user}')


@test('steered tcp/80: 127.0.0.1, ::1 and the peer over IPv4 and IPv6 reach '
      'the backend on local port 80 with the client\'s own address')
def traffic():
    with Env() as env:
        b, lease_id = web(env)
        for addr, ns, src in CLIENTS:
            text = tcp_get(addr, 80, ns=ns)
            what = f'{"peer" if ns else "host"} -> {addr}:80'
            check(b.says(text), f'{what}: got {text!r}, not {b.tag}')
            eq(b.peer_of(text), src, f'{what}: source seen by the backend')
            eq(b.local_port_of(text), 80,
               f'{what}: local port of the accepted connection')
        eq(lp.nft_lease_elements(lease_id), [],
           'nft elements of the steered lease')


@test('one dual-stack IPv6 listener (as pasta has) sits under both the '
      'IPv4 and the IPv6 key and serves both families')
def dual_stack():
    with Env() as env:
        b = env.backend(ALICE, tcp=[30080], addrs=('::',), dualstack=True)
        eq(len(b.sockets), 1, 'sockets of the backend')
        lease_id = env.lease(ALICE, [mapping('tcp', 80, 30080)], b)
        cookie = b.cookies()['ipv6', 30080]
        eq(env.lease_steer_entries(lease_id),
           [('ipv4', 'tcp', 80, '0.0.0.0', cookie),
            ('ipv6', 'tcp', 80, '::', cookie)], 'steering entries')
        for addr, ns, src in CLIENTS:
            text = tcp_get(addr, 80, ns=ns)
            check(b.says(text) and b.peer_of(text) == src and
                  b.local_port_of(text) == 80,
                  f'{addr}:80 from {ns or "the host"}: {text!r}')


@test('one lease, tcp/80 and udp/53: list, --json and lowportctl list say '
      'steer for TCP and nat for UDP; both carry traffic')
def list_datapath():
    lp.lowportctl_or_skip()
    with Env() as env:
        b = env.backend(ALICE, tcp=[30080], udp=[30053])
        lease_id = env.lease(ALICE, [mapping('tcp', 80, 30080),
                                     mapping('udp', 53, 30053)], b)
        got = {m.get('proto'): m.get('datapath', 'nat')
               for lease in env.list(ALICE)
               if lease.get('id') == lease_id for m in lease['mappings']}
        eq(got, {'tcp': 'steer', 'udp': 'nat'}, 'datapath per mapping in '
           'the list reply')
        rows = env.ctl_rows(ALICE).get(lease_id, [])
        eq(sorted((r.get('PROTO'), r.get('DATAPATH')) for r in rows),
           [('tcp', 'steer'), ('udp', 'nat')],
           f'lowportctl list rows of lease {lease_id}')
        res = env.ctl(ALICE, 'list', '--json')
        check(res.returncode == 0, f'lowportctl list --json: {res.stderr}')
        doc = json.loads(res.stdout)
        leases = doc if isinstance(doc, list) else doc.get('leases', [])
        got = {m.get('proto'): m.get('datapath', 'nat') for lease in leases
               if lease.get('id') == lease_id for m in lease['mappings']}
        eq(got, {'tcp': 'steer', 'udp': 'nat'}, 'lowportctl list --json')
        expect_flows(b, 'tcp')
        text = udp_ask(HOST4, 53, 'ping', ns=PEER_NS)
        check(b.says(text) and b.peer_of(text) == PEER4,
              f'udp peer -> {HOST4}:53: {text!r}')
        out = env.ctl(ALICE, 'status').stdout
        check(re.search(r'^data path: +steer$', out, re.M),
              f'lowportctl status does not say "data path: steer":\n{out}')
        # one release takes both: map keys, nft elements, nat chains
        expect_ok(env.release(ALICE, lease_id), 'release')
        eq(env.footprint(lease_id), [], 'what is left of the lease')
        eq(hook_chains(), [], 'base chains after the release')
        expect_no_flow(b, 'released')
        check(udp_ask('127.0.0.1', 53, 'ping') is None,
              'udp port 53 still reaches the backend after the release')


def steered_conn(b, sport):
    """steered_conn() - a connection from lp-peer, source port @sport, to
    HOST4:80 reaching @b; return its conntrack entries"""
    text = lp.in_netns(PEER_NS, _tcp_get_from, HOST4, 80, sport)
    check(b.says(text), f'peer:{sport} -> {HOST4}:80: {text!r}')
    return conntracked(sport)


@test('nat base chains only while a NAT lease exists: none with a steered '
      'lease, created with a UDP lease, gone with it')
def nat_chains_follow_nat_leases():
    with Env() as env:
        b, _ = web(env)
        eq(hook_chains(), [], 'base chains of table inet lowport with only a '
           'steered lease (conntrack would run for them)')
        u = env.backend(ALICE, udp=[30053])
        udp = env.lease(ALICE, [mapping('udp', 53, 30053)], u)
        eq(hook_chains(), ['output', 'prerouting'],
           'base chains with a UDP (NAT) lease')
        text = udp_ask('127.0.0.1', 53, 'ping')
        check(u.says(text), f'udp 127.0.0.1:53 with the NAT lease: {text!r}')
        expect_ok(env.release(ALICE, udp), 'release of the UDP lease')
        check(wait_until(lambda: not hook_chains(), 1.0),
              f'base chains still there without a NAT lease: '
              f'{hook_chains()}')
        expect_flows(b, 'steered lease after the NAT lease went')


@test('no conntrack on lowport\'s account: a steered connection leaves no '
      'conntrack entry while only steered leases exist (it does while a '
      'NAT lease exists)')
def no_conntrack():
    with Env() as env:
        b, _ = web(env)
        eq(steered_conn(b, 40080), [], 'conntrack entries of a steered '
           'connection while only steered leases exist')
        u = env.backend(ALICE, udp=[30053])
        udp = env.lease(ALICE, [mapping('udp', 53, 30053)], u)
        # the check above can fail: with a NAT lease, conntrack runs
        check(steered_conn(b, 40081), 'no conntrack entry for a connection '
              'while a NAT lease exists (is /proc/net/nf_conntrack read '
              'right?)')
        expect_ok(env.release(ALICE, udp), 'release of the UDP lease')
        check(wait_until(lambda: not hook_chains(), 1.0),
              f'base chains still there without a NAT lease: '
              f'{hook_chains()}')
        eq(steered_conn(b, 40082), [], 'conntrack entries of a steered '
           'connection after the NAT lease went')


@test('backend exit: the lease and its steering entries are gone within 1 s')
def backend_exit():
    with Env() as env:
        b, lease_id = web(env)
        check(env.lease_steer_entries(lease_id), 'no steering entries')
        start = time.monotonic()
        b.kill()

        def gone():
            return (not env.lease_steer_entries(lease_id) and
                    lease_id not in env.lease_ids(ALICE))
        check(wait_until(gone, 3.0, 0.005),
              f'lease {lease_id} still there 3 s after its process died')
        elapsed = time.monotonic() - start
        info(f'lease and map entries gone {elapsed * 1000:.0f} ms after the '
             f'backend died')
        check(elapsed < 1.0, f'removal took {elapsed:.3f} s')
        eq(env.steer_entries(), [], 'steering map')


@test('lowportd kill -9: steered traffic flows while it is down; the new '
      'lowportd adopts the lease (steer) and removes it when the process '
      'exits')
def daemon_kill9():
    with Env() as env:
        b, lease_id = web(env)
        before = env.footprint(lease_id)
        env.kill9()
        expect_flows(b, 'lowportd down')
        eq(env.footprint(lease_id), before, 'steering entries while down')
        env.start()
        eq(env.lease_ids(ALICE), {lease_id}, 'leases after restart')
        env.expect_datapath(lease_id)  # the list says steer
        if os.environ.get('LOWPORTCTL'):
            rows = env.ctl_rows(ALICE).get(lease_id, [])
            eq([r.get('DATAPATH') for r in rows], ['steer'],
               'lowportctl list after restart')
        eq(env.footprint(lease_id), before, 'steering entries after restart')
        expect_flows(b, 'after restart')
        start = time.monotonic()
        b.kill()
        check(wait_until(lambda: not env.footprint(lease_id) and
                         lease_id not in env.lease_ids(ALICE), 1.0, 0.005),
              f'adopted lease {lease_id} not removed within 1 s of its '
              f'process exiting')
        info(f'adopted lease removed {1000 * (time.monotonic() - start):.0f}'
             f' ms after its process exited')


@test('nft flush ruleset (table-owner = never: the table goes) does not '
      'stop a steered lease')
def flush_ruleset():
    with Env(table_owner='never') as env:
        b, lease_id = web(env)
        before = env.footprint(lease_id)
        lp.run(['nft', 'flush', 'ruleset'])
        expect_flows(b, 'right after nft flush ruleset')
        eq(env.footprint(lease_id), before, 'steering entries after flush')
        eq(env.lease_ids(ALICE), {lease_id}, 'leases after flush')


@test('churn: 20 rounds of two users taking turns on port 80 (release, '
      'exit): the map holds exactly the live lease\'s keys, on its sockets')
def churn():
    with Env() as env:
        for i in range(20):
            user = (ALICE, BOB)[i % 2]
            b = env.backend(user, tcp=[30080 + i % 2])
            lease_id = env.lease(user, [mapping('tcp', 80, 30080 + i % 2)],
                                 b)  # checks keys and cookies
            eq(env.steer_entries(), env.lease_steer_entries(lease_id),
               f'round {i}: steering map')
            text = tcp_get(HOST4, 80, ns=PEER_NS)
            check(b.says(text), f'round {i}: peer -> port 80: {text!r}')
            if i % 2:
                b.kill()
            else:
                expect_ok(env.release(user, lease_id), f'round {i}: release')
            check(wait_until(lambda: not env.steer_entries() and
                             not env.lease_ids(), 1.0),
                  f'round {i}: lease {lease_id} left {env.steer_entries()}')
            b.close()
            env.backends.remove(b)


@test('new guarantee: the backend closes its listener (process lives on), '
      'another user binds the port: no connection to port 80 reaches it')
def closed_listener_newcomer():
    with Env() as env:
        a, lease_id = web(env)
        expect_flows(a, 'before close')
        a.close_tcp()
        check(a.alive(), 'the backend exited on close-tcp')
        check(wait_until(lambda: not env.lease_steer_entries(lease_id), 1.0),
              f'steering entries of lease {lease_id} stay after the '
              f'backend closed its only socket: '
              f'{env.lease_steer_entries(lease_id)}')
        # binding works only if no copy (lowportd's, ours) holds the port
        newcomer = rebind(env, BOB, 30080)
        expect_no_flow(newcomer, 'newcomer on the backend port')
        eq(env.steer_entries(), [], 'steering map')
        eq(lp.nft_elements(), [], 'nft map elements')
        eq(env.lease_ids(ALICE), {lease_id}, 'lease of the live process')
        text = tcp_get('127.0.0.1', 30080)
        check(newcomer.says(text),
              f'the newcomer does not answer on its own port: {text!r}')


@test('listener closed while lowportd is down: the restarted lowportd '
      'adopts the lease, says its port is no longer steered, and a '
      'newcomer on the backend port gets nothing')
def closed_while_down():
    with Env() as env:
        a, lease_id = web(env)
        env.kill9()
        a.close_tcp()
        mark = env.log_size()
        env.start()
        eq(env.lease_ids(ALICE), {lease_id}, 'leases after restart')
        eq(env.steer_entries(), [], 'steering map after restart')
        log = env.log_text(mark)
        check(f'lease {lease_id}: 2 steered port(s) no longer in the '
              f'steering map' in log,
              f'restart does not say the ports are gone:\n{log}')
        newcomer = rebind(env, BOB, 30080)
        expect_no_flow(newcomer, 'newcomer after the restart')
        a.kill()
        check(wait_until(lambda: lease_id not in env.lease_ids(ALICE), 1.0),
              f'lease {lease_id} not removed within 1 s of its process '
              f'exiting')


def rebind(env, user, *ports):
    """rebind() - a backend of @user on @ports, which must be free within
    a second (lowportd closes what it received in a closer thread): a
    closed listener of which lowportd kept a copy would hold one"""
    deadline = time.monotonic() + 1.0
    while True:
        try:
            return env.backend(user, tcp=ports)
        except lp.TestFailure as e:
            if time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            raise lp.TestFailure(f'ports {list(ports)} cannot be bound '
                                 f'again after their listeners were closed '
                                 f'(a copy kept?): {e}')


def refuse_listeners(env, user, b, fds, count, code, message):
    """refuse_listeners() - a forward 80 -> 30080 of @user with @b's pidfd
    and @fds as listeners ("listeners": @count) is refused with @code and
    @message, and changes nothing; closes @fds"""
    snap = snapshot(env, user)
    try:
        res = env.forward(user, [mapping('tcp', 80, 30080)], b,
                          listeners=fds, extra={'listeners': count})
    finally:
        for fd in fds:
            os.close(fd)
    expect_error(res, code, message)
    expect_snapshot(env, user, snap, 'after the refusal')
    expect_no_flow(b, 'after the refusal')


MSG = 'a socket passed with the request is '


@test('listener refusals change nothing: another uid\'s, UDP, not '
      'listening, another netns, a port of no mapping, a count mismatch')
def listener_refusals():
    with Env() as env:
        other = env.backend(BOB, tcp=[30085], addrs=('0.0.0.0',))
        mine = env.backend(ALICE, tcp=[30080, 30081], udp=[30080],
                           bound=[30082])
        far = env.backend(ALICE, tcp=[30080], addrs=('0.0.0.0',),
                          netns=PEER_NS)
        def with_mine(other):
            def make():
                fds = mine.listener_fds({30080})
                try:
                    return fds + other()
                except BaseException:
                    for fd in fds:
                        os.close(fd)
                    raise
            return make
        cases = [
            ('another uid', with_mine(lambda: other.listener_fds({30085})),
             'backend', MSG + 'created by another user'),
            ('UDP', with_mine(lambda: mine.listener_fds({30080}, 'udp')),
             'backend', MSG + 'not a TCP socket'),
            ('not listening',
             with_mine(lambda: mine.listener_fds({30082}, 'bound')),
             'backend', MSG + 'not listening'),
            ('another netns', with_mine(lambda: far.listener_fds({30080})),
             'backend',
             MSG + 'not a listener in lowportd\'s network namespace'),
            ('no mapping\'s port',
             lambda: mine.listener_fds({30080, 30081}), 'backend',
             MSG[:-3] + 'listens on port 30081, which is no TCP backend '
             'port of the request'),
        ]
        for what, make, code, message in cases:
            info(f'case: {what}')
            fds = make()
            if len(fds) < 3:  # the two good ones and at least one bad
                for fd in fds:
                    os.close(fd)
                raise lp.TestFailure(f'test bug: {what}: {len(fds)} '
                                     f'descriptors')
            refuse_listeners(env, ALICE, mine, fds, len(fds), code, message)
        fds = mine.listener_fds({30080})
        os.close(fds.pop())
        refuse_listeners(env, ALICE, mine, fds, 2, 'bad-request',
                         'the request names 2 listening socket(s), 1 came '
                         'with it')
        refuse_listeners(env, ALICE, mine, mine.listener_fds({30080}), 3,
                         'bad-request', 'the request names 3 listening '
                         'socket(s), 2 came with it')
        # and the same request with its listener is admitted
        lease_id = env.lease(ALICE, [mapping('tcp', 80, 30080)], mine)
        expect_flows(mine, 'after the refusals')
        check(lease_id, 'no lease')
        # lowportd kept no copy of any socket it refused (or admitted):
        # once the backend closes them, their ports are free
        mine.close_tcp()
        rebind(env, BOB, 30080)
        rebind(env, BOB, 30081)


@test('more listeners than LP_LISTENERS_MAX (32): refused as a bad '
      'request, nothing kept')
def too_many_listeners():
    with Env() as env:
        ports = range(31020, 31040)  # 40 sockets
        b = env.backend(ALICE, tcp=ports)
        rng = [mapping('tcp', 1020, 31020, rng=11)]
        snap = snapshot(env, ALICE)
        for count, sent, message in (
                (33, 33, None),
                (32, 40, 'more than 33 descriptors came with the request')):
            fds = b.listener_fds(set(ports))
            for fd in fds[sent:]:
                os.close(fd)
            fds = fds[:sent]
            eq(len(fds), sent, 'test bug: descriptors')
            try:
                res = env.forward(ALICE, rng, b, listeners=fds,
                                  extra={'listeners': count})
            finally:
                for fd in fds:
                    os.close(fd)
            r = expect_error(res, 'bad-request', message,
                             what=f'"listeners": {count} with {sent} '
                             f'descriptors')
            info(f'{count}/{sent}: {r["error"]["message"]}')
            expect_snapshot(env, ALICE, snap, 'after the refusal')
        b.close_tcp()
        rebind(env, BOB, *ports)


@test('datapath = steer: a TCP forward without its listener is refused '
      'with the reason; UDP alone is admitted (NAT)')
def policy_steer_needs_listener():
    with Env(datapath='steer') as env:
        b = env.backend(ALICE, tcp=[30080], udp=[30053])
        snap = snapshot(env, ALICE)
        res = env.forward(ALICE, [mapping('tcp', 80, 30080)], b,
                          listeners=None)
        expect_error(res, 'backend', 'port 80/tcp cannot be steered (policy '
                     'datapath = steer): the helper did not hand over a '
                     'listening socket on its backend port')
        expect_snapshot(env, ALICE, snap, 'after the refusal')
        expect_no_flow(b, 'after the refusal')
        # a port range with one port's listeners missing: refused as well
        r = env.backend(ALICE, tcp=[31020, 31021, 31022])
        fds = r.listener_fds({31020, 31021})
        try:
            res = env.forward(ALICE, [mapping('tcp', 1020, 31020, rng=3)],
                              r, listeners=fds)
        finally:
            for fd in fds:
                os.close(fd)
        expect_error(res, 'backend', 'port 1020/tcp cannot be steered '
                     '(policy datapath = steer): the helper did not hand '
                     'over a listening socket on its backend port')
        expect_snapshot(env, ALICE, snap, 'after the refusal of the range')
        env.lease(ALICE, [mapping('udp', 53, 30053)], b)
        text = udp_ask('127.0.0.1', 53, 'ping')
        check(b.says(text), f'udp 127.0.0.1:53: {text!r}')


@test('datapath = nat never steers, even with listeners handed over; '
      'lowportd keeps no copy of them')
def policy_nat_never_steers():
    with Env(datapath='nat') as env:
        b = env.backend(ALICE, tcp=[30080])
        fds = b.listener_fds({30080})
        try:
            r = expect_ok(env.forward(ALICE, [mapping('tcp', 80, 30080)], b,
                                      listeners=fds), 'forward')
        finally:
            for fd in fds:
                os.close(fd)
        lease_id = r['lease']['id']
        env.expect_datapath(lease_id)  # nat in the list, nft elements
        eq(env.steer_entries(), [], 'steering map')
        eq(env.status().get('datapath'), 'nat', 'status datapath')
        expect_flows(b, 'NAT lease')
        b.close_tcp()
        # the port is free again: nobody kept a copy of the listeners
        rebind(env, ALICE, 30080)


@test('datapath = auto: steers a TCP lease with its listener, NATs one '
      'without')
def policy_auto():
    with Env(datapath='auto') as env:
        st = env.status()
        eq(st.get('datapath'), 'steer', f'status datapath ({st!r})')
        a = env.backend(ALICE, tcp=[30080])
        r = expect_ok(env.forward(ALICE, [mapping('tcp', 80, 30080)], a),
                      'forward with listener')
        env.datapath = 'steer'
        env.expect_datapath(r['lease']['id'])
        b = env.backend(ALICE, tcp=[30443])
        r = expect_ok(env.forward(ALICE, [mapping('tcp', 443, 30443)], b,
                                  listeners=None), 'forward without')
        env.datapath = 'nat'
        env.expect_datapath(r['lease']['id'])
        expect_flows(a, 'steered lease', 80)
        expect_flows(b, 'NAT lease', 443)
        # a range with one port's listeners missing: all of it NAT
        c = env.backend(ALICE, tcp=[31020, 31021, 31022])
        fds = c.listener_fds({31020, 31021})
        try:
            r = expect_ok(env.forward(ALICE, [mapping('tcp', 1020, 31020,
                                                      rng=3)], c,
                                      listeners=fds), 'forward, partial')
        finally:
            for fd in fds:
                os.close(fd)
        env.expect_datapath(r['lease']['id'])  # env.datapath is nat here
        for port in (1020, 1022):
            expect_flows(c, 'partly handed over range', port)


@test('datapath = auto without a BPF filesystem: NAT, and status and '
      'lowportctl check say why')
def auto_without_bpffs():
    with Env(datapath='auto', bpf_dir='not-bpffs/lowport') as env:
        st = env.status()
        eq(st.get('datapath'), 'nat', f'status datapath ({st!r})')
        reason = st.get('datapath_reason') or ''
        check(reason and 'datapath = auto' in reason,
              f'status datapath_reason {reason!r} does not give the reason '
              f'with the policy')
        info(f'reason: {reason}')
        b = env.backend(ALICE, tcp=[30080])
        r = expect_ok(env.forward(ALICE, [mapping('tcp', 80, 30080)], b),
                      'forward with listener')
        env.datapath = 'nat'
        env.expect_datapath(r['lease']['id'])
        expect_flows(b, 'NAT fallback')
        if os.environ.get('LOWPORTCTL'):
            res = env.ctl(ALICE, 'check')
            out = res.stdout + res.stderr
            check(f'data path: nat: {reason}' in out,
                  f'lowportctl check does not say "data path: nat: '
                  f'{reason}":\n{out}')


@test('datapath = steer without a BPF filesystem: a TCP forward is refused '
      'naming what is missing, nothing changes; UDP is still admitted')
def steer_without_bpffs():
    with Env(datapath='steer', bpf_dir='not-bpffs/lowport') as env:
        st = env.status()
        eq(st.get('datapath'), 'nat', f'status datapath ({st!r})')
        reason = st.get('datapath_reason') or ''
        suffix = '; policy datapath = steer'
        check(reason.endswith(suffix) and 'bpf' in reason,
              f'status datapath_reason {reason!r}')
        b = env.backend(ALICE, tcp=[30080], udp=[30053])
        snap = snapshot(env, ALICE)
        res = env.forward(ALICE, [mapping('tcp', 80, 30080)], b)
        expect_error(res, 'backend', 'port 80/tcp cannot be steered (policy '
                     f'datapath = steer): {reason[:-len(suffix)]}')
        expect_snapshot(env, ALICE, snap, 'after the refusal')
        expect_no_flow(b, 'after the refusal')
        env.datapath = 'nat'
        env.lease(ALICE, [mapping('udp', 53, 30053)], b)
        check(b.says(udp_ask('127.0.0.1', 53, 'ping')), 'udp 53')


def set_datapath(env, datapath, reload=True):
    """set_datapath() - rewrite the policy's datapath (SIGHUP unless not
    @reload); wait until the status says what TCP leases get now"""
    text = env.policy_text
    for old in lp.DATAPATHS:
        text = text.replace(f'datapath = {old}\n', f'datapath = {datapath}\n')
    check(f'datapath = {datapath}\n' in text, 'test bug: no datapath line')
    env.write_policy(text)
    env.datapath = datapath
    if not reload:
        return
    want = 'nat' if datapath == 'nat' else 'steer'
    env.signal(signal.SIGHUP)
    check(wait_until(lambda: env.status().get('datapath') == want, 2.0),
          f'status datapath not {want} 2 s after SIGHUP: {env.status()!r}')


@test('SIGHUP switching datapath nat -> steer -> nat: leases keep their '
      'path and traffic, new ones take the new path, all stay removable')
def reload_datapath():
    with Env(datapath='nat') as env:
        a = env.backend(ALICE, tcp=[30080])
        la = env.lease(ALICE, [mapping('tcp', 80, 30080)], a)
        set_datapath(env, 'steer')
        b = env.backend(ALICE, tcp=[30443])
        lb = env.lease(ALICE, [mapping('tcp', 443, 30443)], b)
        set_datapath(env, 'nat')
        c = env.backend(BOB, tcp=[31020])
        lc = env.lease(BOB, [mapping('tcp', 1020, 31020)], c)
        for lease_id, path in ((la, 'nat'), (lb, 'steer'), (lc, 'nat')):
            env.datapath = path
            env.expect_datapath(lease_id)
        for port, backend in ((80, a), (443, b), (1020, c)):
            expect_flows(backend, 'after the reloads', port)
        expect_ok(env.release(ALICE, lb), 'release of the steered lease')
        eq(env.footprint(lb), [], 'steering entries after release')
        expect_no_flow(b, 'released', 443)
        for port, backend in ((80, a), (1020, c)):
            expect_flows(backend, 'NAT leases after the release', port)


@test('restart with datapath = nat: the steered lease is adopted, keeps '
      'flowing, and is removed when its process exits')
def restart_as_nat():
    with Env() as env:
        b, lease_id = web(env)
        before = env.footprint(lease_id)
        env.stop()
        set_datapath(env, 'nat', reload=False)
        env.start()
        eq(env.status().get('datapath'), 'nat', 'status datapath')
        eq(env.lease_ids(ALICE), {lease_id}, 'leases after restart')
        env.datapath = 'steer'
        env.expect_datapath(lease_id)
        eq(env.footprint(lease_id), before, 'steering entries')
        expect_flows(b, 'after the restart with datapath = nat')
        b.kill()
        check(wait_until(lambda: not env.footprint(lease_id) and
                         lease_id not in env.lease_ids(ALICE), 1.0),
              f'lease {lease_id} not removed within 1 s of its process '
              f'exiting')


def far_namespace():
    """far_namespace() - set up (once) lp-far behind our namespace, which
    routes between lp-peer and lp-far (our own namespace's forwarding)"""
    if os.path.exists(f'/run/netns/{FAR_NS}'):
        return
    for argv in (
            ['ip', 'netns', 'add', FAR_NS],
            ['ip', 'link', 'add', FAR_HOST_IF, 'type', 'veth', 'peer',
             'name', FAR_IF, 'netns', FAR_NS],
            ['ip', 'addr', 'add', f'{FAR_GW4}/24', 'dev', FAR_HOST_IF],
            ['ip', '-6', 'addr', 'add', f'{FAR_GW6}/64', 'dev', FAR_HOST_IF,
             'nodad'],
            ['ip', 'link', 'set', FAR_HOST_IF, 'up'],
            ['ip', '-n', FAR_NS, 'link', 'set', 'lo', 'up'],
            ['ip', '-n', FAR_NS, 'addr', 'add', f'{FAR4}/24', 'dev',
             FAR_IF],
            ['ip', '-n', FAR_NS, '-6', 'addr', 'add', f'{FAR6}/64', 'dev',
             FAR_IF, 'nodad'],
            ['ip', '-n', FAR_NS, 'link', 'set', FAR_IF, 'up'],
            ['ip', '-n', FAR_NS, 'route', 'add', 'default', 'via', FAR_GW4],
            ['ip', '-n', FAR_NS, '-6', 'route', 'add', 'default', 'via',
             FAR_GW6],
            ['ip', '-n', PEER_NS, 'route', 'add', '198.51.100.0/24', 'via',
             HOST4],
            ['ip', '-n', PEER_NS, '-6', 'route', 'add', '2001:db8:2::/64',
             'via', HOST6],
            # our (the test's) namespace forwards; nothing of the host's
            ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'],
            ['sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1']):
        lp.run(argv)
    # routes are usable once the links are up and neighbours answer
    for addr in (FAR4, FAR6):
        with lp.TcpServer(addr, 9, 'probe', ns=FAR_NS):
            check(wait_until(lambda: tcp_get(addr, 9, ns=PEER_NS,
                                             timeout=0.5), 10.0, 0.1),
                  f'{FAR_NS} {addr} not reachable from {PEER_NS}')


@test('no hijack: host -> peer:80 and peer -> far:80 routed through the '
      'host reach their servers, not the steered backend')
def no_hijack():
    far_namespace()
    with Env() as env:
        b, _ = web(env)
        env.server(PEER4, 80, 'peer-server', ns=PEER_NS)
        env.server(PEER6, 80, 'peer-server', ns=PEER_NS)
        env.server(FAR4, 80, 'far-server', ns=FAR_NS)
        env.server(FAR6, 80, 'far-server', ns=FAR_NS)
        for addr, ns, want in ((PEER4, None, 'peer-server from ' + HOST4),
                               (PEER6, None, 'peer-server from ' + HOST6),
                               (FAR4, PEER_NS, 'far-server from ' + PEER4),
                               (FAR6, PEER_NS, 'far-server from ' + PEER6)):
            text = tcp_get(addr, 80, ns=ns)
            eq(text, want, f'{"peer" if ns else "host"} -> {addr}:80')
        expect_flows(b, 'the lease meanwhile')


@test('a host service (root listener on port 80) is still refused: '
      'port-in-use, nothing changes, the service keeps its traffic')
def host_service():
    with Env() as env:
        b = env.backend(ALICE, tcp=[30080])
        env.server('0.0.0.0', 80, 'host-service')
        snap = snapshot(env, ALICE)
        res = env.forward(ALICE, [mapping('tcp', 80, 30080)], b)
        expect_error(res, 'port-in-use', 'port 80/tcp on 0.0.0.0 is already '
                     'in use by a host socket (uid 0)')
        expect_snapshot(env, ALICE, snap, 'after the refusal')
        text = tcp_get('127.0.0.1', 80)
        check(text is not None and text.startswith('host-service'),
              f'127.0.0.1:80 no longer reaches the host service: {text!r}')


@test('pins: rm -rf of the pin directory detaches the program; a restarted '
      'lowportd pins a new one and steers again')
def pins_removed():
    with Env() as env:
        b, lease_id = web(env)
        link = env.pinned_link_id()
        check(link in lp.steer_link_ids(), f'pinned link {link} is not '
              f'attached to this netns: {lp.steer_link_ids()}')
        env.stop()
        lp.run(['rm', '-rf', env.bpf_dir])
        check(wait_until(lambda: link not in lp.steer_link_ids(), 2.0),
              f'link {link} still attached after rm -rf {env.bpf_dir}')
        expect_no_flow(b, 'program detached')
        env.start()
        # the lease's keys went with the old map: it is listed, steers
        # nothing; a new lease on another port is steered by the new pins
        eq(env.lease_ids(ALICE), {lease_id}, 'leases after restart')
        c = env.backend(ALICE, tcp=[30443])
        env.lease(ALICE, [mapping('tcp', 443, 30443)], c)
        expect_flows(c, 'new pins', 443)
        check(env.pinned_link_id() not in (None, link),
              'no new link pinned')


if __name__ == '__main__':
    lp.main()
