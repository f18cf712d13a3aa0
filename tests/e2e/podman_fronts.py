# SPDX-License-Identifier: GPL-2.0-or-later
"""podman_fronts.py - e2e: port 80 on bridge networks, through lowport's
rootlessport front (Podman 5.x, 6.x) and pesto front (Podman 6.x with
rootless_port_forwarder = "pasta")

Issue 7's scenarios as a user sees them: traffic on 127.0.0.1:80 and from
the outside client, `lowportctl list`, Podman's error text on a refusal,
and the lease gone within 1 s of the forwarder's exit. Built on the helpers
of podman_paths.py; podman_paths.register() adds these tests.

Copyright lowport authors
"""

import os
import select
import time

import lptest as T

P = None  # the podman_paths module
E = None  # the test_e2e module
TESTS = []


def register(paths, module):
    """register() - bind to podman_paths @paths and test_e2e @module"""
    global P, E
    P, E = paths, module
    T.TESTS.extend(TESTS)


def front_test(name):
    """front_test() - decorator: a test of this file"""
    def deco(fn):
        TESTS.append((name, fn))
        return fn
    return deco


# ------------------------------------------------------------ helpers


def need_front(name):
    """need_front() - skip unless lowport's @name shim is installed"""
    shim = E.need_shim()
    path = f'{shim.rsplit("/", 1)[0]}/{name}'
    if E.SB.run(['test', '-x', path], check=False).returncode != 0:
        T.skip(f'the lowport {name} shim is not installed ({path})')
    return path


def need_rootlessport():
    """need_rootlessport() - the rootlessport front, on every generation"""
    need_front('rootlessport')


def need_pesto():
    """need_pesto() - the pesto front, Podman 6 with the pasta forwarder"""
    need_front('pesto')
    P.forwarder_pasta('alice')


def lease_proc(lease):
    """lease_proc() - the host PID and name of a lease's process

    The sandbox's PID (what lowportd reports) is the second NSpid entry.
    """
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open(f'/proc/{d}/status') as f:
                nspid = [ln.split()[1:] for ln in f
                         if ln.startswith('NSpid:')][0]
            if len(nspid) >= 2 and int(nspid[1]) == lease['pid']:
                with open(f'/proc/{d}/comm') as f:
                    return int(d), f.read().strip()
        except (OSError, ValueError, IndexError):
            continue
    return None, None


def expect_gone(action, lease, comm, what):
    """expect_gone() - run @action; the lease's process (@comm) exits and
    the lease, with its rules, is gone within 1 s of that"""
    hpid, name = lease_proc(lease)
    T.check(hpid, f'process {lease["pid"]} of lease {lease["id"]} not found')
    T.check(name and name.startswith(comm),  # pasta.avx2 is pasta too
            f'lease {lease["id"]} follows {name!r}, not {comm}')
    pidfd = os.pidfd_open(hpid)
    try:
        start = time.monotonic()
        action()
        ready, _, _ = select.select([pidfd], [], [], 30.0)
        T.check(ready, f'{comm} did not exit within 30 s of {what}')
        exited = time.monotonic()
    finally:
        os.close(pidfd)

    def gone():
        return (lease['id'] not in {x.get('id') for x in E.SB.leases()} and
                lease['id'] not in E.SB.table_lease_ids())
    T.check(T.wait_until(gone, 10.0, 0.01),
            f'lease {lease["id"]} still there 10 s after {comm} exited')
    after = time.monotonic() - exited
    T.info(f'{what}: lease gone {after * 1000:.0f} ms after {comm} exited '
           f'({time.monotonic() - start:.2f} s after the command started)')
    T.check(after <= E.RELEASE_WITHIN,
            f'{what}: lease removed {after:.2f} s after {comm} exited')


FRONT_OF = {'rootlessport': 'rootlessport', 'pasta': 'pesto'}
# The data path of a front's TCP ports: the rootlessport shim hands
# rootlessport's listeners to lowportd (steered); pesto's pasta is not the
# shim's child, so its ports keep the DNAT
DATAPATH_OF = {'rootlessport': 'steer', 'pasta': 'nat'}


def lease_for(user, port, comm):
    """lease_for() - @user's lease of @port, which must follow @comm and be
    listed with the front that made it, on that front's data path"""
    lease = E.lease_of(user, port)
    T.check(lease, f'no lease for port {port}: {E.SB.leases()!r}')
    T.eq(lease.get('front'), FRONT_OF[comm],
         f'the front lowportctl list shows for port {port}')
    _, name = lease_proc(lease)
    T.check(name and name.startswith(comm),
            f'the lease of port {port} follows {name!r}, not {comm}')
    want = DATAPATH_OF[comm]
    T.info(f'{FRONT_OF[comm]} lease {lease["id"]}: TCP data path '
           f'{sorted(E.datapaths(lease))}')
    E.expect_datapath(lease, want)
    return lease


def bridge_ctr(user, *args):
    """bridge_ctr() - `podman run -d --network web ARGS` (web created)"""
    if E.SB.podman(user, 'network', 'exists', 'web',
                   check=False).returncode != 0:
        P.network_create(user, 'web')
    E.SB.dirty.add(user)
    return E.run_ctr(user, '--network', 'web', *args)


def refused_bridge(user, *args):
    """refused_bridge() - `podman run --network web` that must fail"""
    if E.SB.podman(user, 'network', 'exists', 'web',
                   check=False).returncode != 0:
        P.network_create(user, 'web')
    E.SB.dirty.add(user)
    return E.refused_run(user, '--network', 'web', *args)


def expect_front_refusal(err, prefix, *parts):
    """expect_front_refusal() - Podman's error carries @prefix ("rootlessport
    lowport: ", "lowport: ") and each of @parts on one of its lines"""
    lines = [ln.strip() for ln in err.splitlines() if ln.strip()]
    mine = [ln for ln in lines if prefix in ln]
    T.check(mine, f'no {prefix!r} in Podman\'s error:\n{err.strip()}')
    for part in parts:
        T.check(any(part in ln for ln in mine),
                f'lowport\'s reason lacks {part!r}: {mine}')
    T.info(f'podman says: {" / ".join(lines)}')


def nothing_left(user, port=80, answers=None):
    """nothing_left() - no lease and no rootlessport of @user; port @port
    answers @answers (None: nothing) after the refusal"""
    T.check(E.lease_of(user, port) is None, f'{user} got a lease')
    T.eq(P.rootlessports(user), 0, f'rootlessport processes of {user}')
    T.eq(E.SB.get(f'http://127.0.0.1:{port}/'), answers,
         f'port {port} after the refusal')


def pesto_table_now(user):
    """pesto_table_now() - `pesto -s` of @user's rootless-netns pasta, ''
    if it is gone (Podman stops it with the last bridge container)"""
    sock = (f'/run/user/{P.UIDS[user]}/containers/networks/rootless-netns/'
            'pasta.sock')
    return E.SB.run(['pesto', '-s', sock], user=user, check=False).stdout


RLP_REFUSED = 'rootlessport lowport: '


def refusals(prefix, forwarder_of):
    """refusals() - carol not granted; bob while alice holds 80; a host
    service on 80: each shows lowport's reason and leaves nothing behind

    @forwarder_of(user) sets the user's forwarder up (pesto) or nothing.
    """
    forwarder_of('carol')
    err = refused_bridge('carol', '-p', '80:80')
    expect_front_refusal(err, prefix, 'carol', 'not granted')
    nothing_left('carol')
    T.eq(E.SB.leases(), [], 'leases after carol\'s refusal')

    forwarder_of('alice')
    forwarder_of('bob')
    cid = bridge_ctr('alice', '-p', '80:80')
    P.served_by(80, E.page(cid))
    err = refused_bridge('bob', '-p', '80:80')
    expect_front_refusal(err, prefix, 'port 80/tcp on 0.0.0.0 is already '
                         'forwarded for another user')
    nothing_left('bob', answers=E.page(cid))
    P.podman_ok('alice', 'rm', '-f', '-t', '0', cid)
    P.not_served(80)

    pid, text = E.host_service()
    T.check(text, 'the host service on port 80 did not start')
    err = refused_bridge('alice', '-p', '80:80')
    expect_front_refusal(err, prefix, 'port 80/tcp on 0.0.0.0 is already in '
                         'use by a host socket')
    nothing_left('alice', answers=text)
    T.eq(E.SB.get(f'http://{E.HOST4}:80/', outside=True), text,
         'the host service from outside after the refusal')
    T.eq(E.SB.leases(), [], 'leases after the refusals')


def no_forwarder(_user):
    """no_forwarder() - rootlessport needs no per-user setting"""


def pesto_forwarder(user):
    """pesto_forwarder() - @user's bridge ports go through pesto"""
    P.forwarder_pasta(user)


# ------------------------------------------------------------ rootlessport


@front_test('rootlessport front: run --network web -p 80:80 is served on '
            '127.0.0.1:80 and from outside; the lease follows rootlessport; '
            'podman stop ends it within 1 s')
def t_rlp_stop():
    need_rootlessport()
    cid = bridge_ctr('alice', '-p', '80:80')
    P.served_by(80, E.page(cid))
    T.eq(P.rootlessports('alice'), 1,
         'rootlessport processes of alice (the shim does not linger)')
    lease = lease_for('alice', 80, 'rootlessport')
    expect_gone(lambda: P.podman_ok('alice', 'stop', '-t', '2', cid), lease,
                'rootlessport', 'podman stop')
    P.not_served(80)


@front_test('rootlessport front: podman rm -f ends the lease within 1 s')
def t_rlp_rm_f():
    need_rootlessport()
    cid = bridge_ctr('alice', '-p', '80:80')
    P.served_by(80, E.page(cid))
    lease = lease_for('alice', 80, 'rootlessport')
    expect_gone(lambda: P.podman_ok('alice', 'rm', '-f', '-t', '2', cid),
                lease, 'rootlessport', 'podman rm -f')
    P.not_served(80)


@front_test('rootlessport front: kill -9 of rootlessport ends the lease '
            'within 1 s')
def t_rlp_kill():
    need_rootlessport()
    cid = bridge_ctr('alice', '-p', '80:80')
    P.served_by(80, E.page(cid))
    lease = lease_for('alice', 80, 'rootlessport')
    expect_gone(lambda: E.SB.kill(lease['pid']), lease, 'rootlessport',
                'kill -9 rootlessport')
    P.not_served(80)


@front_test('rootlessport front: --network bridge -p 80:80 and -p 443:443 '
            'with -p 8080:80 (unprivileged part unchanged)')
def t_rlp_default_bridge():
    need_rootlessport()
    cid = E.run_ctr('alice', '--network', 'bridge', '-p', '80:80', '-p',
                    '443:443', '-p', '8080:80')
    E.SB.dirty.add('alice')
    P.served_by(80, E.page(cid))
    P.served_by(443, E.page(cid, 443))
    P.served_by(8080, E.page(cid))
    T.check(E.lease_of('alice', 8080) is None, 'a lease for port 8080')
    lease = lease_for('alice', 443, 'rootlessport')
    T.eq(lease['id'], E.lease_of('alice', 80)['id'],
         'ports 80 and 443 share one lease')
    expect_gone(lambda: P.podman_ok('alice', 'rm', '-f', '-t', '0', cid),
                lease, 'rootlessport', 'podman rm -f')


@front_test('rootlessport front refusals: carol not granted, port taken by '
            'another user, host service on 80: "rootlessport lowport: '
            'WHY" in podman run\'s error, nothing left running')
def t_rlp_refusals():
    need_rootlessport()
    refusals(RLP_REFUSED, no_forwarder)


@front_test('rootlessport front: kube play with hostPort 80 is served; kube '
            'down ends the lease')
def t_rlp_kube():
    need_rootlessport()
    path = P.kube_play('alice', P.kube_yaml('lpkube', 80))
    P.served_by(80, P.name_page('lpkube'))
    lease = lease_for('alice', 80, 'rootlessport')
    expect_gone(lambda: P.kube_down('alice', path), lease, 'rootlessport',
                'kube down')
    P.not_served(80)


def compose_80_443(tool, project, name):
    """compose_80_443() - @tool up with 80:80 and 443:443: both served, one
    lease; down ends it"""
    text = P.compose_yaml('80:80', '443:443')
    P.compose('alice', tool, text, project, 'up', '-d')
    cid = P.cid_of('alice', name)
    P.served_by(80, E.page(cid, 80))
    P.served_by(443, E.page(cid, 443))
    lease = lease_for('alice', 80, 'rootlessport')
    T.eq(E.lease_of('alice', 443)['id'], lease['id'],
         'ports 80 and 443 share one lease')
    expect_gone(lambda: P.compose('alice', tool, text, project, 'down'),
                lease, 'rootlessport', f'{tool} down')
    P.not_served(80)
    P.not_served(443)


@front_test('rootlessport front: podman-compose with ports 80:80 and '
            '443:443: both served; down ends the lease')
def t_rlp_podman_compose():
    need_rootlessport()
    compose_80_443('podman-compose', 'lpcomp', 'lpcomp_web_1')


@front_test('rootlessport front: docker-compose against podman system '
            'service, ports 80:80 and 443:443: both served; down ends it')
def t_rlp_docker_compose():
    need_rootlessport()
    compose_80_443('docker-compose', 'lpdock', 'lpdock-web-1')


@front_test('rootlessport front: Quadlet .network + .container with '
            'PublishPort=80:80 is served; ExecStop ends the lease')
def t_rlp_quadlet_network():
    need_rootlessport()
    units = P.quadlet_generate('alice', {
        'lpweb.network': '[Network]\n',
        'lpctr.container': (f'[Container]\nImage={E.IMAGE}\n'
                            'ContainerName=lpctr\nNetwork=lpweb.network\n'
                            'PublishPort=80:80\n'),
    })
    P.quadlet_exec('alice', units, 'lpweb-network.service', 'ExecStart')
    P.quadlet_exec('alice', units, 'lpctr.service', 'ExecStart')
    P.served_by(80, E.page(P.cid_of('alice', 'lpctr')))
    lease = lease_for('alice', 80, 'rootlessport')
    expect_gone(lambda: P.quadlet_exec('alice', units, 'lpctr.service',
                                       'ExecStop'),
                lease, 'rootlessport', 'the .container\'s ExecStop')
    P.not_served(80)


@front_test('rootlessport front: a Quadlet .kube with hostPort 80 is served; '
            'ExecStopPost ends the lease')
def t_rlp_quadlet_kube():
    need_rootlessport()
    units = P.quadlet_generate('alice', {
        'lpqk.yaml': P.kube_yaml('lpqk', 80),
        'lpqk.kube': '[Kube]\nYaml=lpqk.yaml\n',
    })
    P.quadlet_exec('alice', units, 'lpqk.service', 'ExecStart')
    P.served_by(80, P.name_page('lpqk'))
    lease = lease_for('alice', 80, 'rootlessport')
    expect_gone(lambda: P.quadlet_exec('alice', units, 'lpqk.service',
                                       'ExecStopPost'),
                lease, 'rootlessport', 'the .kube\'s ExecStopPost')
    P.not_served(80)


@front_test('rootlessport front: a Quadlet .pod with Network=lpweb.network '
            'and PublishPort=80:80, a .container in it: served; the pod\'s '
            'ExecStop ends the lease')
def t_rlp_quadlet_pod():
    need_rootlessport()
    units = P.quadlet_generate('alice', {
        'lpweb.network': '[Network]\n',
        'lppod.pod': ('[Pod]\nPodName=lppod\nNetwork=lpweb.network\n'
                      'PublishPort=80:80\n'),
        'lpinpod.container': (f'[Container]\nImage={E.IMAGE}\n'
                              'ContainerName=lpinpod\nPod=lppod.pod\n'),
    })
    P.quadlet_exec('alice', units, 'lpweb-network.service', 'ExecStart')
    P.quadlet_exec('alice', units, 'lppod-pod.service', 'ExecStartPre')
    P.quadlet_exec('alice', units, 'lppod-pod.service', 'ExecStart')
    P.quadlet_exec('alice', units, 'lpinpod.service', 'ExecStart')
    P.served_by(80, P.name_page('lppod'))
    lease = lease_for('alice', 80, 'rootlessport')
    expect_gone(lambda: P.quadlet_exec('alice', units, 'lppod-pod.service',
                                       'ExecStop'),
                lease, 'rootlessport', 'the .pod\'s ExecStop')
    P.not_served(80)


# ------------------------------------------------------------ pesto


def expect_released(action, lease, what):
    """expect_released() - @action (pesto --delete) ends @lease; the
    rootless-netns pasta lives on"""
    action()
    start = time.monotonic()

    def gone():
        return (lease['id'] not in {x.get('id') for x in E.SB.leases()} and
                lease['id'] not in E.SB.table_lease_ids())
    T.check(T.wait_until(gone, 10.0, 0.01),
            f'lease {lease["id"]} still there 10 s after {what}')
    T.info(f'{what}: lease gone {(time.monotonic() - start) * 1000:.0f} ms '
           'after the command returned')


@front_test('pesto front (Podman 6, rootless_port_forwarder = "pasta"): '
            '--network web -p 80:80 is served, the container sees the '
            'outside client\'s address, the lease follows the rootless-netns '
            'pasta; rm -f ends it')
def t_pesto_80():
    need_pesto()
    cid = bridge_ctr('alice', '-p', '80:80')
    P.served_by(80, E.page(cid))
    peer = E.SB.get(f'http://{E.HOST4}:80/cgi-bin/peer', outside=True)
    T.check(peer and E.OUT4 in peer,
            f'the container saw the outside client as {peer!r}, '
            f'want {E.OUT4}')
    T.eq(P.rootlessports('alice'), 0, 'rootlessport processes with pesto')
    lease = lease_for('alice', 80, 'pasta')
    high = lease['mappings'][0]['backend_port']
    table = P.pesto_table('alice')
    T.check(f'TCP [0.0.0.0]:{high}  =>  ' in table and
            'TCP [0.0.0.0]:80  =>' not in table,
            f'pesto -s does not list {high} instead of 80: {table}')
    expect_released(lambda: P.podman_ok('alice', 'rm', '-f', '-t', '0', cid),
                    lease, 'podman rm -f')
    P.not_served(80)
    T.check(f':{high}  =>' not in pesto_table_now('alice'),
            f'pasta still forwards {high} after rm')


@front_test('pesto front: kill -9 of the rootless-netns pasta ends the '
            'lease within 1 s')
def t_pesto_kill_pasta():
    need_pesto()
    cid = bridge_ctr('alice', '-p', '80:80')
    P.served_by(80, E.page(cid))
    lease = lease_for('alice', 80, 'pasta')
    expect_gone(lambda: E.SB.kill(lease['pid']), lease, 'pasta',
                'kill -9 of the rootless-netns pasta')


@front_test('pesto front refusals: carol, bob, host service: Podman reports '
            'lowport\'s reason instead of a silently dead port')
def t_pesto_refusals():
    need_pesto()
    refusals('lowport: ', pesto_forwarder)


@front_test('pesto front: kube play with hostPort 80 is served; kube down '
            'ends the lease')
def t_pesto_kube():
    need_pesto()
    path = P.kube_play('alice', P.kube_yaml('lpkube', 80))
    P.served_by(80, P.name_page('lpkube'))
    lease = lease_for('alice', 80, 'pasta')
    expect_released(lambda: P.kube_down('alice', path), lease, 'kube down')
    P.not_served(80)


@front_test('pesto front: podman-compose with 80:80 and 443:443: both '
            'served; down ends the lease')
def t_pesto_compose():
    need_pesto()
    text = P.compose_yaml('80:80', '443:443')
    P.compose('alice', 'podman-compose', text, 'lpcomp', 'up', '-d')
    cid = P.cid_of('alice', 'lpcomp_web_1')
    P.served_by(80, E.page(cid, 80))
    P.served_by(443, E.page(cid, 443))
    lease = lease_for('alice', 80, 'pasta')
    expect_released(lambda: P.compose('alice', 'podman-compose', text,
                                      'lpcomp', 'down'),
                    lease, 'podman-compose down')
    P.not_served(80)
    P.not_served(443)
    T.eq(E.SB.leases(), [], 'leases after down')
