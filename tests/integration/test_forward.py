# SPDX-License-Identifier: GPL-2.0-or-later
"""test_forward.py - admitted leases carry real traffic; list, status, release, CLI

Copyright lowport authors
"""

import json
import re
import sys
import time

sys.dont_write_bytecode = True
import lptest as lp  # noqa: E402
from lptest import (ALICE, BOB, CAROL, HOST4, HOST6, PEER4, PEER6, PEER_NS, Env,
                    User, check, eq, expect_error, expect_ok, mapping, test,
                    tcp_get, udp_ask, wait_until)


def web_lease(env, user=ALICE, port=80, backend_port=30080, addr=''):
    """web_lease() - a TCP lease @port -> @backend_port held by @user"""
    b = env.backend(user, tcp=[backend_port])
    lease_id = env.lease(user, [mapping('tcp', port, backend_port,
                                        addr=addr)], b)
    return b, lease_id


def expect_backend(b, text, what):
    check(b.says(text), f'{what}: got {text!r}, not backend {b.tag}')


@test('tcp/80 from the peer over IPv4 reaches the backend with the peer '
      'source address')
def peer_ipv4():
    with Env() as env:
        b, _ = web_lease(env)
        text = tcp_get(HOST4, 80, ns=PEER_NS)
        expect_backend(b, text, f'peer -> {HOST4}:80')
        eq(b.peer_of(text), PEER4, 'source address seen by the backend')


@test('tcp/80 from the host itself (127.0.0.1:80, 192.0.2.1:80) reaches '
      'the backend')
def local_ipv4():
    with Env() as env:
        b, _ = web_lease(env)
        expect_backend(b, tcp_get('127.0.0.1', 80), 'host -> 127.0.0.1:80')
        expect_backend(b, tcp_get(HOST4, 80), f'host -> {HOST4}:80')


@test('tcp/80 over IPv6: peer -> [2001:db8:1::1]:80 and host -> [::1]:80')
def ipv6():
    with Env() as env:
        b, _ = web_lease(env)
        text = tcp_get(HOST6, 80, ns=PEER_NS)
        expect_backend(b, text, f'peer -> [{HOST6}]:80')
        eq(b.peer_of(text), PEER6, 'IPv6 source address seen by the backend')
        expect_backend(b, tcp_get('::1', 80), 'host -> [::1]:80')


@test('udp/53: datagrams from the peer and the host are echoed by the '
      'backend')
def udp53():
    with Env() as env:
        b = env.backend(ALICE, udp=[30053])
        env.lease(ALICE, [mapping('udp', 53, 30053)], b)
        for addr, ns, src in ((HOST4, PEER_NS, PEER4), (HOST6, PEER_NS, PEER6),
                              ('127.0.0.1', None, '127.0.0.1'),
                              ('::1', None, '::1')):
            payload = f'ping-{addr}'
            text = udp_ask(addr, 53, payload, ns=ns)
            what = f'udp {"peer" if ns else "host"} -> {addr}:53'
            expect_backend(b, text, what)
            check(text.endswith('echo ' + payload),
                  f'{what}: not an echo of {payload!r}: {text!r}')
            eq(b.peer_of(text), src, f'{what}: source seen by the backend')


@test('lease scoped to 127.0.0.1 is reachable on 127.0.0.1:80 only')
def scoped_lease():
    with Env() as env:
        b, _ = web_lease(env, addr='127.0.0.1')
        expect_backend(b, tcp_get('127.0.0.1', 80), 'host -> 127.0.0.1:80')
        text = tcp_get(HOST4, 80, ns=PEER_NS)
        check(not b.says(text),
              f'peer -> {HOST4}:80 reached the backend of a lease scoped to '
              f'127.0.0.1: {text!r}')
        text = tcp_get(HOST4, 80)
        check(not b.says(text),
              f'host -> {HOST4}:80 reached the backend of a lease scoped to '
              f'127.0.0.1: {text!r}')


@test('group grant: uid 4203 with supplementary gid 4300 gets tcp/443')
def group_grant():
    with Env() as env:
        alone = User(CAROL.uid)  # same uid, no supplementary group
        b0 = env.backend(alone, tcp=[30443])
        res = env.forward(alone, [mapping('tcp', 443, 30443)], b0)
        expect_error(res, 'not-granted',
                     f'user {alone.label} is not granted any port by the '
                     f'lowport policy', what='uid 4203 without gid 4300')
        b0.close()
        b = env.backend(CAROL, tcp=[30443])
        env.lease(CAROL, [mapping('tcp', 443, 30443)], b)
        expect_backend(b, tcp_get('127.0.0.1', 443), 'host -> 127.0.0.1:443')
        expect_backend(b, tcp_get(HOST4, 443, ns=PEER_NS),
                       f'peer -> {HOST4}:443')


@test('range 1020-1030 -> 31020-31030 forwards each port to its own '
      'backend port')
def port_range():
    with Env() as env:
        b = env.backend(ALICE, tcp=range(31020, 31031))
        env.lease(ALICE, [mapping('tcp', 1020, 31020, rng=11)], b)
        for port in (1020, 1025, 1030):
            text = tcp_get('127.0.0.1', port)
            expect_backend(b, text, f'host -> 127.0.0.1:{port}')
            check(f' tcp {port + 30000} ' in text,
                  f'port {port} went to the wrong backend port: {text!r}')
            text = tcp_get(HOST4, port, ns=PEER_NS)
            expect_backend(b, text, f'peer -> {HOST4}:{port}')
            check(f' tcp {port + 30000} ' in text,
                  f'port {port} went to the wrong backend port: {text!r}')


@test('list and status report the lease with its fields')
def list_status():
    with Env() as env:
        before = time.time()
        b, lease_id = web_lease(env)
        leases = env.list(ALICE)
        eq([lease.get('id') for lease in leases], [lease_id],
           'lease ids listed for the owner')
        lease = leases[0]
        eq(lease.get('uid'), ALICE.uid, 'lease uid')
        eq(lease.get('pid'), b.pid, 'lease pid (the stand-in)')
        eq(lease.get('netns'), env.netns_path, 'lease netns')
        created = lease.get('created')
        check(isinstance(created, int) and
              before - 5 <= created <= time.time() + 5,
              f'lease created {created!r} is not about now ({before:.0f})')
        maps = lease.get('mappings')
        check(isinstance(maps, list) and len(maps) == 1,
              f'lease mappings: {maps!r}')
        got = {k: maps[0].get(k) for k in ('proto', 'host_port',
                                           'backend_port', 'range')}
        eq(got, {'proto': 'tcp', 'host_port': 80, 'backend_port': 30080,
                 'range': 1}, 'lease mapping')
        st = env.status(ALICE)
        eq(st.get('leases'), 1, 'status leases')
        check(isinstance(st.get('leases_total'), int) and
              st['leases_total'] >= 1,
              f'status leases_total: {st.get("leases_total")!r}')
        eq(st.get('table'), True, 'status table')
        check(isinstance(st.get('version'), str) and st['version'],
              f'status version: {st.get("version")!r}')


@test('release by the owner removes the map elements and the traffic')
def release():
    with Env() as env:
        b, lease_id = web_lease(env)
        check(lp.nft_lease_elements(lease_id),
              f'no map elements of lease {lease_id} before release')
        expect_backend(b, tcp_get('127.0.0.1', 80), 'before release')
        expect_ok(env.release(ALICE, lease_id), 'release')
        eq(lp.nft_lease_elements(lease_id), [],
           f'map elements of lease {lease_id} after release')
        eq(lp.nft_elements(), [], 'map elements left after release')
        eq(env.lease_ids(ALICE), set(), 'leases listed after release')
        text = tcp_get('127.0.0.1', 80)
        check(not b.says(text), f'port 80 still reaches the backend: {text!r}')
        text = tcp_get(HOST4, 80, ns=PEER_NS)
        check(not b.says(text),
              f'peer port 80 still reaches the backend: {text!r}')
        eq(env.status(ALICE).get('leases'), 0, 'status leases after release')


LEASES_RULES = [
    'meta nfproto ipv4 dnat ip to :ip daddr . meta l4proto . th dport '
    'map @addr4',
    'meta nfproto ipv6 dnat ip6 to :ip6 daddr . meta l4proto . th dport '
    'map @addr6',
    'dnat to :meta nfproto . meta l4proto . th dport map @any',
]


def expect_fixed_layout():
    """expect_fixed_layout() - the chains, rules and maps every table has"""
    chains = lp.nft_chains()
    eq(sorted(chains), ['leases', 'output', 'prerouting'], 'chains')
    for name in ('prerouting', 'output'):
        c = chains[name]
        eq((c.get('type'), c.get('hook'), c.get('prio'), c.get('policy')),
           ('nat', name, -100, 'accept'),
           f'chain {name} type/hook/priority/policy')
        eq(lp.nft_rule_lines(name), ['fib daddr type local jump leases'],
           f'rules of chain {name}')
    c = chains['leases']
    check(c.get('hook') is None and c.get('type') is None,
          f'chain leases is a base chain: {c!r}')
    eq(lp.nft_rule_lines('leases'), LEASES_RULES, 'rules of chain leases')
    maps = lp.nft_maps()
    eq(sorted(maps), sorted(lp.LEASE_MAPS), 'maps')
    for name, key in lp.LEASE_MAPS.items():
        eq((maps[name].get('type'), maps[name].get('map')),
           (key, 'inet_service'), f'map {name} key and data types')


@test('nft layout: nat base chains with fib local, three maps, three dnat '
      'rules, each lease as commented map elements')
def nft_layout():
    with Env() as env:
        b = env.backend(ALICE, tcp=[30080, 30443, 31020, 31021])
        every = env.lease(ALICE, [mapping('tcp', 80, 30080)], b)
        expect_fixed_layout()
        eq(lp.nft_lease_ids(), {every}, 'leases named by element comments')
        c = lp.lease_comment(every, ALICE.uid)
        want = {every: [('any', ('ipv4', 'tcp', 80), 30080, c),
                        ('any', ('ipv6', 'tcp', 80), 30080, c)]}
        eq(lp.nft_lease_elements(every), want[every],
           f'elements of every-address lease {every}')
        loop4 = env.lease(ALICE, [mapping('tcp', 443, 30443,
                                          addr='127.0.0.1')], b)
        c = lp.lease_comment(loop4, ALICE.uid)
        want[loop4] = [('addr4', ('127.0.0.1', 'tcp', 443), 30443, c)]
        loop6 = env.lease(ALICE, [mapping('tcp', 1020, 31020, rng=2,
                                          addr='::1')], b)
        c = lp.lease_comment(loop6, ALICE.uid)
        want[loop6] = [('addr6', ('::1', 'tcp', 1020), 31020, c),
                       ('addr6', ('::1', 'tcp', 1021), 31021, c)]
        for lease_id, elems in want.items():
            eq(lp.nft_lease_elements(lease_id), elems,
               f'elements of lease {lease_id}')
        eq(len(lp.nft_elements()), sum(len(x) for x in want.values()),
           'number of map elements (any without a lease comment?)')
        eq(lp.nft_lease_ids(), set(want), 'leases named by element comments')
        expect_fixed_layout()
        text = lp.nft_text('table', *lp.TABLE)
        check(f'comment "lease={every} uid={ALICE.uid}" : 30080' in text,
              f'nft does not print the comment of lease {every}:\n{text}')


def nat_hook_chains():
    """nat_hook_chains() - names of the chains of the table with a hook"""
    return sorted(name for name, c in lp.nft_chains().items()
                  if c.get('hook') is not None or c.get('type') is not None)


@test('nft layout: no nat chain and no dnat rule without a NAT lease; the '
      'first lease brings chains leases, prerouting and output, the end of '
      'the last takes them')
def nft_hooks_only_with_leases():
    with Env() as env:
        check(lp.nft_table_exists(), 'no table after start')
        eq(nat_hook_chains(), [], 'hooked chains with no lease')
        eq(sorted(lp.nft_chains()), [], 'chains with no lease')
        check('dnat' not in lp.nft_text('table', 'inet', 'lowport'),
              'a dnat rule with no lease (it would turn conntrack on)')
        b1 = env.backend(ALICE, tcp=[30080])
        b2 = env.backend(ALICE, tcp=[30443])
        l1 = env.lease(ALICE, [mapping('tcp', 80, 30080)], b1)
        l2 = env.lease(ALICE, [mapping('tcp', 443, 30443)], b2)
        expect_fixed_layout()
        expect_backend(b1, tcp_get('127.0.0.1', 80), '127.0.0.1:80')
        b1.close()
        check(wait_until(lambda: not lp.nft_lease_elements(l1), 2.0),
              f'lease {l1} not removed after its process exited')
        expect_fixed_layout()
        expect_backend(b2, tcp_get('127.0.0.1', 443), '127.0.0.1:443')
        b2.close()
        check(wait_until(lambda: not lp.nft_lease_elements(l2), 2.0),
              f'lease {l2} not removed after its process exited')
        eq(nat_hook_chains(), [], 'hooked chains after the last lease')
        eq(sorted(lp.nft_chains()), [], 'chains after the last lease')
        check('dnat' not in lp.nft_text('table', 'inet', 'lowport'),
              'a dnat rule after the last lease (it would keep conntrack on)')
        check(env.alive(), 'lowportd died')


@test('host -> peer 192.0.2.2:80 reaches the peer server, not the backend')
def outgoing_not_hijacked():
    with Env() as env:
        b, _ = web_lease(env)
        env.server(PEER4, 80, 'peer-server', ns=PEER_NS)
        text = tcp_get(PEER4, 80)
        check(text is not None and text.startswith('peer-server'),
              f'host -> {PEER4}:80 got {text!r}, want the peer server')
        expect_backend(b, tcp_get('127.0.0.1', 80),
                       'host -> 127.0.0.1:80 (lease still live)')


def json_objects(doc):
    """json_objects() - every JSON object (dict) inside @doc"""
    if isinstance(doc, dict):
        yield doc
        for v in doc.values():
            yield from json_objects(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from json_objects(v)


def json_scalars(doc):
    """json_scalars() - every non-container value inside @doc"""
    if isinstance(doc, dict):
        for v in doc.values():
            yield from json_scalars(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from json_scalars(v)
    else:
        yield doc


def ctl_ok(env, user, *args):
    res = env.ctl(user, *args)
    check(res.returncode == 0,
          f'lowportctl {" ".join(args)} failed ({res.returncode}):\n'
          f'{res.stdout}{res.stderr}')
    return res.stdout


@test('lowportctl list prints the lease (id, port, backend)')
def ctl_list():
    lp.lowportctl_or_skip()
    with Env() as env:
        _, lease_id = web_lease(env)
        out = ctl_ok(env, ALICE, 'list')
        rows = [line.split() for line in out.splitlines()
                if lease_id in line.split()]
        check(len(rows) == 1, f'lowportctl list: no single row for lease '
              f'{lease_id}:\n{out}')
        for word in ('80', '30080'):
            check(word in rows[0], f'lowportctl list row lacks {word}:\n{out}')


@test('lowportctl list --json prints the lease as JSON')
def ctl_list_json():
    lp.lowportctl_or_skip()
    with Env() as env:
        _, lease_id = web_lease(env)
        out = ctl_ok(env, ALICE, 'list', '--json')
        try:
            doc = json.loads(out)
        except ValueError as e:
            raise lp.TestFailure(f'lowportctl list --json: not JSON ({e}):'
                                 f'\n{out}')
        found = [x for x in json_objects(doc) if x.get('id') == lease_id]
        check(len(found) == 1, f'list --json: no object with id {lease_id}:'
              f'\n{out}')
        values = set(json_scalars(found[0]))
        for want in (80, 30080):
            check(want in values, f'list --json: lease lacks {want}:\n{out}')


@test('lowportctl list has a DATAPATH column (nat for a DNAT lease); '
      'check and status say the data path')
def ctl_datapath():
    lp.lowportctl_or_skip()
    with Env() as env:
        _, lease_id = web_lease(env)
        out = ctl_ok(env, ALICE, 'list')
        lines = out.splitlines()
        header = lines[0].split()
        check('DATAPATH' in header, f'no DATAPATH column:\n{out}')
        rows = [line.split() for line in lines if lease_id in line.split()]
        check(len(rows) == 1, f'no single row for {lease_id}:\n{out}')
        eq(rows[0][header.index('DATAPATH')], 'nat', 'DATAPATH of the lease')
        eq(rows[0][header.index('PROTO')], 'tcp', 'PROTO of the lease')
        check(lp.nft_lease_elements(lease_id),
              f'a nat lease {lease_id} without map elements')
        out = ctl_ok(env, ALICE, 'status')
        check(re.search(r'^data path: +(nat|steer)$', out, re.M),
              f'lowportctl status does not say the data path:\n{out}')
        res = env.ctl(ALICE, 'check')
        check(re.search(r'^info +data path: (nat|steer)\b', res.stdout,
                        re.M),
              f'lowportctl check does not say the data path:\n{res.stdout}')
        env.stop()
        res = env.ctl(ALICE, 'check')
        check('data path: decided by lowportd when it starts' in res.stdout,
              f'lowportctl check without lowportd:\n{res.stdout}')


@test('lowportctl status prints the daemon status')
def ctl_status():
    lp.lowportctl_or_skip()
    with Env() as env:
        web_lease(env)
        out = ctl_ok(env, ALICE, 'status')
        check(out.strip(), 'lowportctl status printed nothing')
        check(re.search(r'lease.*\b1\b', out, re.I),
              f'lowportctl status does not show 1 lease:\n{out}')


@test('lowportctl release ID: refused for another user, removes the lease for its owner')
def ctl_release():
    lp.lowportctl_or_skip()
    with Env() as env:
        b, lease_id = web_lease(env)
        res = env.ctl(BOB, 'release', lease_id)
        check(res.returncode != 0 and
              'belongs to another user' in res.stdout + res.stderr,
              f'lowportctl release of another user\'s lease: rc='
              f'{res.returncode}\n{res.stdout}{res.stderr}')
        eq(env.lease_ids(ALICE), {lease_id}, 'leases after refused release')
        ctl_ok(env, ALICE, 'release', lease_id)
        eq(env.lease_ids(ALICE), set(), 'leases after lowportctl release')
        check(wait_until(lambda: not lp.nft_lease_elements(lease_id), 1.0),
              f'map elements of lease {lease_id} still there')
        text = tcp_get('127.0.0.1', 80)
        check(not b.says(text), f'port 80 still reaches the backend: {text!r}')


if __name__ == '__main__':
    lp.main()
