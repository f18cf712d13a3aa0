# SPDX-License-Identifier: GPL-2.0-or-later
"""test_lifetime.py - leases end with pasta, survive lowportd restarts and ruleset flushes

Copyright lowport authors
"""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
import lptest as lp  # noqa: E402
from lptest import (ALICE, BOB, HOST4, PEER_NS,  # noqa: E402
                    Env, check, eq, info, mapping, test, tcp_get,
                    wait_until)


def flows(b, port):
    """flows() - does @port reach @b, locally and from the peer?"""
    return (b.says(tcp_get('127.0.0.1', port)) and
            b.says(tcp_get(HOST4, port, ns=PEER_NS)))


def expect_flows(b, port, what):
    local = tcp_get('127.0.0.1', port)
    peer = tcp_get(HOST4, port, ns=PEER_NS)
    check(b.says(local) and b.says(peer),
          f'{what}: port {port} does not reach {b.tag} '
          f'(local: {local!r}, peer: {peer!r})')


def nft_flush_ruleset():
    """nft_flush_ruleset() - what an nftables.service reload does (this is
    the test's own network namespace)"""
    lp.run(['nft', 'flush', 'ruleset'])


def layout(skeleton):
    """layout() - chain (name, type, hook) and map names of a skeleton"""
    out = []
    for o in skeleton or []:
        if 'chain' in o:
            c = o['chain']
            out.append(('chain', c['name'], c.get('type'), c.get('hook')))
        elif 'map' in o:
            out.append(('map', o['map']['name']))
    return sorted(out)


def removal_time(env, user, lease_id, start, timeout=3.0):
    """removal_time() - seconds from @start until the map elements (or
    steering entries) of @lease_id are gone and the lease is no longer
    listed; None if it stays"""
    gone = wait_until(lambda: not env.footprint(lease_id), timeout, 0.005)
    if not gone:
        return None
    elapsed = time.monotonic() - start
    if lease_id in {x.get('id') for x in env.list(user)}:
        return None
    return elapsed


@test('lease removed within one second after the pasta stand-in dies')
def pasta_exit():
    with Env() as env:
        b = env.backend(ALICE, tcp=[30080])
        lease_id = env.lease(ALICE, [mapping('tcp', 80, 30080)], b)
        start = time.monotonic()
        b.kill()
        elapsed = removal_time(env, ALICE, lease_id, start)
        check(elapsed is not None,
              f'lease {lease_id} still present 3 s after pasta died')
        info(f'lease removed {elapsed * 1000:.0f} ms after the stand-in died')
        check(elapsed < 1.0, f'lease removal took {elapsed:.3f} s (>= 1 s)')
        eq(env.status(ALICE).get('leases'), 0, 'status leases')


@test('kill -9 of lowportd: traffic flows while it is down; restart keeps '
      'the live lease untouched and drops the dead one')
def daemon_restart():
    with Env() as env:
        a = env.backend(ALICE, tcp=[30080])
        live = env.lease(ALICE, [mapping('tcp', 80, 30080)], a)
        b = env.backend(BOB, tcp=[30443])
        dead = env.lease(BOB, [mapping('tcp', 443, 30443)], b)
        before = env.footprint(live)
        check(before, f'lease {live} has no map elements')
        check(env.footprint(dead), f'lease {dead} has no map elements')
        skeleton = lp.nft_skeleton()
        env.kill9()
        expect_flows(a, 80, 'lowportd down')
        expect_flows(b, 443, 'lowportd down')
        b.kill()
        env.start()
        eq({x.get('id') for x in env.list(ALICE)}, {live},
           'leases of the live owner after restart')
        eq({x.get('id') for x in env.list(BOB)}, set(),
           'leases of the dead owner after restart')
        eq(env.footprint(live), before,
           f'map elements of lease {live} after restart')
        check(wait_until(lambda: not env.footprint(dead), 1.0),
              f'map elements of the dead lease {dead} still there: '
              f'{env.footprint(dead)}')
        eq(env.kernel_lease_ids(), {live}, 'leases in the table after restart')
        env.expect_datapath(live)
        diff = lp.nft_diff(skeleton, lp.nft_skeleton())
        check(not diff, f'table, maps, chains or rules (handles) changed '
              f'over the restart (rebuilt?):\n{diff}')
        expect_flows(a, 80, 'after restart')
        text = tcp_get('127.0.0.1', 443)
        check(not b.says(text), f'port 443 still forwarded: {text!r}')
        # the restarted daemon watches the surviving pasta again
        start = time.monotonic()
        a.kill()
        elapsed = removal_time(env, ALICE, live, start)
        check(elapsed is not None and elapsed < 1.0,
              f'restarted lowportd did not remove lease {live} within 1 s '
              f'of its pasta dying ({elapsed})')


@test('nft flush ruleset with table-owner=auto: the table survives')
def flush_owned():
    with Env(table_owner='auto') as env:
        a = env.backend(ALICE, tcp=[30080])
        lease_id = env.lease(ALICE, [mapping('tcp', 80, 30080)], a)
        before = env.kernel_state()
        nft_flush_ruleset()
        env.expect_kernel(before, 'after flush ruleset')
        expect_flows(a, 80, 'after flush ruleset')
        eq({x.get('id') for x in env.list(ALICE)}, {lease_id},
           'leases after flush')


@test('nft flush ruleset with table-owner=never: rebuilt within ~1 s')
def flush_unowned():
    with Env(table_owner='never') as env:
        a = env.backend(ALICE, tcp=[30080])
        lease_id = env.lease(ALICE, [mapping('tcp', 80, 30080)], a)
        before = env.footprint(lease_id)
        check(before, f'lease {lease_id} has no map elements')
        skeleton = lp.nft_skeleton()
        nft_flush_ruleset()
        start = time.monotonic()
        back = wait_until(lambda: env.footprint(lease_id) == before and
                          lp.nft_table_exists(), 3.0, 0.01)
        elapsed = time.monotonic() - start
        check(back, f'table not rebuilt within 3 s of the flush: elements '
              f'of lease {lease_id} {env.footprint(lease_id)}, '
              f'want {before}')
        # chains and maps as before (handles aside): with only steered
        # leases that means no nat base chain either
        eq(layout(lp.nft_skeleton()), layout(skeleton),
           'chains and maps of the rebuilt table')
        info(f'table rebuilt {elapsed * 1000:.0f} ms after the flush')
        check(elapsed < 1.5, f'rebuild took {elapsed:.3f} s')
        check(wait_until(lambda: flows(a, 80), 1.0),
              'traffic does not flow after the rebuild')
        eq(env.status(ALICE).get('table'), True, 'status table')


@test('table-owner=auto: kill -9, flush ruleset, restart: table rebuilt '
      'from state')
def flush_while_down():
    with Env(table_owner='auto') as env:
        a = env.backend(ALICE, tcp=[30080])
        lease_id = env.lease(ALICE, [mapping('tcp', 80, 30080)], a)
        before = env.footprint(lease_id)
        check(before, f'lease {lease_id} has no map elements')
        skeleton = lp.nft_skeleton()
        env.kill9()
        check(lp.nft_table_exists(),
              'table gone after kill -9 (expected it to persist)')
        expect_flows(a, 80, 'lowportd down')
        nft_flush_ruleset()
        check(not lp.nft_table_exists(),
              'flush ruleset did not remove the orphaned table')
        env.start()
        check(wait_until(lambda: env.footprint(lease_id) == before and
                         lp.nft_table_exists(), 2.0),
              f'map elements of lease {lease_id} not rebuilt after restart: '
              f'{env.footprint(lease_id)}, want {before}')
        eq(layout(lp.nft_skeleton()), layout(skeleton),
           'chains and maps of the rebuilt table')
        check(wait_until(lambda: flows(a, 80), 1.0),
              'traffic does not flow after restart')
        eq({x.get('id') for x in env.list(ALICE)}, {lease_id},
           'leases after restart')


@test('SIGHUP with a policy no longer granting port 80 removes that lease '
      'only')
def policy_reload():
    with Env() as env:
        a = env.backend(ALICE, tcp=[30080, 30443])
        l80 = env.lease(ALICE, [mapping('tcp', 80, 30080)], a)
        l443 = env.lease(ALICE, [mapping('tcp', 443, 30443)], a)
        kept = env.footprint(l443)
        policy = env.policy_text.replace(
            'ports = 80, 443, 1020-1030, 53', 'ports = 443, 1020-1030, 53')
        check(policy != env.policy_text, 'test bug: policy unchanged')
        env.write_policy(policy)
        mark = env.log_size()
        env.signal(signal.SIGHUP)
        check(wait_until(lambda: not env.footprint(l80), 2.0),
              f'lease {l80} (port 80) still in nft 2 s after SIGHUP')
        eq({x.get('id') for x in env.list(ALICE)}, {l443},
           'leases after reload')
        eq(env.footprint(l443), kept,
           f'map elements of lease {l443} after reload')
        text = tcp_get('127.0.0.1', 80)
        check(not a.says(text), f'port 80 still forwarded: {text!r}')
        expect_flows(a, 443, 'after reload')
        log = env.log_text(mark)
        check(l80 in log, f'removal of lease {l80} not logged:\n{log}')
        check(env.alive(), 'lowportd died on SIGHUP')


def netns_file(env, name):
    """netns_file() - a stand-in netns path for a lease: an empty file in
    @env's directory, so the test can remove it like Podman does"""
    path = os.path.join(env.dir, name)
    open(path, 'w').close()
    return path


@test('quick restart: the own lease conflicts until its process exits, even '
      'with its netns path gone; then the same forward is admitted')
def own_conflict_until_exit():
    with Env() as env:
        old = env.backend(ALICE, tcp=[30080])
        ns_old = netns_file(env, 'netns-old')
        r = lp.expect_ok(env.forward(ALICE, [mapping('tcp', 80, 30080)], old,
                                     netns=ns_old), 'first forward')
        first = r['lease']['id']
        os.unlink(ns_old)  # podman removed the netns; pasta still runs
        new = env.backend(ALICE, tcp=[30081])
        before = env.kernel_state()
        # lowportd never acts on a path the client names: still a conflict
        lp.expect_error(env.forward(ALICE, [mapping('tcp', 80, 30081)], new,
                                    netns=netns_file(env, 'netns-new')),
                        'conflict',
                        'port 80/tcp on 0.0.0.0 is already forwarded by '
                        f'your lease {first}', what='forward during restart')
        env.expect_kernel(before, 'the refused forward during restart')
        expect_flows(old, 80, 'old lease during restart')
        # the old pasta exits (as it does once its netns is gone)
        old.kill()
        gone = lp.wait_until(lambda: not env.list(ALICE), 2.0)
        check(gone, f'lease {first} still listed after its process exited')
        r = lp.expect_ok(env.forward(ALICE, [mapping('tcp', 80, 30081)], new,
                                     netns=os.path.join(env.dir, 'netns-new')),
                         'forward once the old process exited')
        second = r['lease']['id']
        eq(env.kernel_lease_ids(), {second}, 'leases in the table')
        expect_flows(new, 80, 'after the new forward')


if __name__ == '__main__':
    lp.main()
