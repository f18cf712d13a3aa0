# SPDX-License-Identifier: GPL-2.0-or-later
"""test_egress.py - io.lowport.egress end to end: rootless Podman runs the hook

Runs in the sandbox of contrib/sandbox/ like test_e2e.py, whose Sandbox and
runner it reuses. The outside namespace gets more addresses, each with a
busybox httpd, and a DNS server (this process, in the outside namespace)
answering web.test; the sandbox's resolv.conf is bind-mounted to point at
it, so pasta's DNS forwarder and the container's resolver ask it:

  outside 192.0.2.3  2001:db8:1::3   page "first"   (allowed in case 1)
          192.0.2.4  2001:db8:1::4   page "second"  (web.test)
          192.0.2.5                  DNS: web.test -> 192.0.2.4, ::4

Each check is what a user sees: what the container fetches and how fast
it fails, what `podman run` prints, what `lowportctl egress` shows.

Copyright lowport authors
"""

import importlib.util
import os
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_e2e as E  # noqa: E402

T = E.T
# The integration test of the same name, for its DnsServer
_spec = importlib.util.spec_from_file_location(
    'lp_integration_egress',
    os.path.join(E.SOURCE_ROOT, 'tests', 'integration', 'test_egress.py'))
I = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(I)

BASE = len(T.TESTS)  # tests of test_e2e.py and the integration file before

FIRST4, SECOND4, DNS4 = '192.0.2.3', '192.0.2.4', '192.0.2.5'
FIRST6, SECOND6 = '2001:db8:1::3', '2001:db8:1::4'
ANN = 'io.lowport.egress'
FAST = 2.5  # seconds: a rejected fetch (podman exec included)
_dns = None


def outside_setup():
    """outside_setup() - addresses, web servers, DNS (once per sandbox)"""
    global _dns
    if _dns:
        return
    sb = E.SB
    for a in (FIRST4, SECOND4, DNS4):
        sb.run(['ip', 'addr', 'add', f'{a}/24', 'dev', 'lp-out'],
               outside=True)
    for a in (FIRST6, SECOND6):
        sb.run(['ip', '-6', 'addr', 'add', f'{a}/64', 'dev', 'lp-out',
                'nodad'], outside=True)
    for name, addrs in (('first', (FIRST4, f'[{FIRST6}]')),
                        ('second', (SECOND4, f'[{SECOND6}]'))):
        sb.run(['sh', '-c', f'mkdir -p /run/lp-egress/{name} && echo '
                f'{name} >/run/lp-egress/{name}/index.html'])
        for a in addrs:
            # not sb.spawn(): its servers die after every test
            sb.run(['sh', '-c', f'setsid busybox httpd -f -p {a}:80 -h '
                    f'/run/lp-egress/{name} </dev/null >/dev/null 2>&1 &'],
                   outside=True)
    # The sandbox's own file lives on its overlay (a tmpfs upper layer):
    # rewrite it so that every mount namespace (Podman's pause process,
    # pasta) sees it; never write through a symlink or a mount point.
    sb.run(['sh', '-c', '[ ! -L /etc/resolv.conf ] && ! findmnt -n '
            f'/etc/resolv.conf >/dev/null && echo "nameserver {DNS4}" '
            '>/etc/resolv.conf'])
    records = {'web.test': [(1, socket.inet_aton(SECOND4)),
                            (28, socket.inet_pton(socket.AF_INET6, SECOND6))]}
    _dns = I.DnsServer(DNS4, records, sb.netns_path(True))
    T.check(T.wait_until(lambda: sb.get(f'http://{FIRST4}/') == 'first',
                         5.0, 0.2), 'outside web server does not answer')


def run_egress(value, *args, user='alice'):
    outside_setup()
    return E.run_ctr(user, '--annotation', f'{ANN}={value}', *args)


def fetch(cid, url, user='alice'):
    """fetch() - wget @url inside container @cid

    Return: (body or None, stderr, seconds)
    """
    t0 = time.monotonic()
    r = E.SB.podman(user, 'exec', cid, 'wget', '-qO-', '-T', '5', url,
                    check=False)
    took = time.monotonic() - t0
    return (r.stdout.strip() if r.returncode == 0 else None,
            r.stderr.strip(), took)


def expect_fetch(cid, url, want):
    body, err, _ = fetch(cid, url)
    T.eq(body, want, f'{url} from the container ({err})')


def expect_rejected(cid, url):
    body, err, took = fetch(cid, url)
    T.check(body is None, f'{url} from the container: got {body!r}')
    T.check('refused' in err.lower(), f'{url}: {err!r}, want refused')
    T.check(took < FAST, f'{url}: rejection took {took:.2f} s')
    return took


def egress_table(cid, user='alice'):
    pid = E.SB.podman(user, 'inspect', '--format', '{{.State.Pid}}',
                      cid).stdout.strip()
    return E.SB.run(['podman', 'unshare', 'nsenter', '-t', pid, '-n', 'nft',
                     'list', 'table', 'inet', 'lowport_egress'],
                    user=user).stdout


@T.test('egress case 1: one allowed address; others rejected at once; the '
        'published port still serves')
def t_case1():
    cid = run_egress(f'{FIRST4}:80/tcp', '-p', '8080:80')
    expect_fetch(cid, f'http://{FIRST4}/', 'first')
    took = expect_rejected(cid, f'http://{SECOND4}/')
    T.info(f'rejected fetch of {SECOND4} took {took:.2f} s (podman exec '
           'included)')
    T.eq(E.SB.get(f'http://{E.HOST4}:8080/', outside=True), E.page(cid),
         'published port 8080 from the outside client')
    T.info(egress_table(cid))
    r = E.SB.run(['lowportctl', 'egress', cid], user='alice')
    T.info(r.stdout)
    T.check(f'{FIRST4}' in r.stdout and 'tcp 80' in r.stdout,
            'lowportctl egress lacks the allowed address')
    T.check('rejected: 0 packets' not in r.stdout,
            'lowportctl egress shows no rejected packets')


@T.test('egress case 2: dns and a host name through the container\'s '
        'resolver; without dns the name does not resolve in the container')
def t_case2():
    cid = run_egress('dns, web.test:80/tcp')
    expect_fetch(cid, 'http://web.test/', 'second')
    expect_rejected(cid, f'http://{FIRST4}/')
    cid2 = run_egress('web.test:80/tcp')
    body, err, _ = fetch(cid2, 'http://web.test/')
    T.check(body is None, f'web.test without dns: got {body!r}')
    T.info(f'without dns: {err}')
    expect_fetch(cid2, f'http://{SECOND4}/', 'second')


@T.test('egress case 3: IPv6 entries')
def t_case3():
    cid = run_egress(f'[{FIRST6}]:80/tcp')
    expect_fetch(cid, f'http://[{FIRST6}]/', 'first')
    expect_rejected(cid, f'http://[{SECOND6}]/')
    expect_rejected(cid, f'http://{FIRST4}/')


@T.test('egress case 4: container root cannot delete the egress table or '
        'flush the ruleset; the rules stay')
def t_case4():
    if not E.SB.nft_flush:
        T.skip('no static nft-flush for the image (static linking failed)')
    cid = run_egress(f'{FIRST4}:80/tcp')
    expect_fetch(cid, f'http://{FIRST4}/', 'first')
    # tests/e2e/nft-flush.c: the batch "nft delete table inet
    # lowport_egress" and "nft flush ruleset" send; podman exec runs it as
    # the container's root with Podman's default capabilities
    T.eq(E.SB.podman('alice', 'exec', cid, 'id', '-u').stdout.strip(), '0',
         'uid of podman exec in the container')
    for mode in ('table', 'ruleset'):
        r = E.SB.podman('alice', 'exec', cid, 'nft-flush', mode,
                        check=False)
        T.info(f'nft-flush {mode} as container root: exit {r.returncode}, '
               f'{r.stderr.strip()!r}')
        T.eq(r.returncode, 1, f'nft-flush {mode} exit status')
        T.eq(r.stderr.strip(), 'nft-flush: Operation not permitted',
             f'nft-flush {mode} error')
    T.check('lowport_egress' in egress_table(cid),
            'egress table gone after nft-flush')
    expect_rejected(cid, f'http://{SECOND4}/')
    expect_fetch(cid, f'http://{FIRST4}/', 'first')


@T.test('egress case 5: a bad entry or an unresolvable name fails podman '
        'run; nothing left running; the hook\'s line reaches crun\'s '
        'hooks stderr file')
def t_case5():
    outside_setup()
    for value, part in (('192.0.2.3:0/tcp', "entry 1 '192.0.2.3:0/tcp'"),
                        ('dns, nx.test', "cannot resolve 'nx.test'")):
        log = f'/tmp/lp-egress-hook-{int(time.monotonic() * 1000)}.log'
        r = E.SB.podman('alice', 'run', '-d', '--annotation',
                        f'{ANN}={value}', '--annotation',
                        f'run.oci.hooks.stderr={log}', E.IMAGE, check=False)
        T.check(r.returncode != 0, f'podman run with {value!r} succeeded')
        # crun reports the exit status only; the hook's own line goes to
        # the file crun's run.oci.hooks.stderr annotation names
        T.check('error executing hook' in r.stderr and 'lowport-egress' in
                r.stderr, f'podman run with {value!r}: {r.stderr.strip()!r}')
        said = E.SB.run(['cat', log], user='alice').stdout.strip()
        T.check(said.startswith('lowport-egress: ') and part in said
                and len(said.splitlines()) == 1,
                f'hook said {said!r}, want one line with {part!r}')
        T.info(f'{value}: podman: {r.stderr.strip()}')
        T.info(f'{value}: hook: {said}')
        running = E.SB.podman('alice', 'ps', '-q').stdout.strip()
        T.eq(running, '', 'running containers after the failed run')


@T.test('egress case 6: no annotation, no filter; a bridge network '
        'container is filtered the same way')
def t_case6():
    outside_setup()
    cid = E.run_ctr('alice')
    expect_fetch(cid, f'http://{SECOND4}/', 'second')
    r = E.SB.podman('alice', 'run', '-d', '--network', 'bridge',
                    '--annotation', f'{ANN}={FIRST4}:80/tcp', E.IMAGE,
                    check=False)
    if r.returncode != 0:
        T.skip(f'no bridge network in this sandbox: {r.stderr.strip()}')
    bid = r.stdout.strip().splitlines()[-1]
    expect_fetch(bid, f'http://{FIRST4}/', 'first')
    expect_rejected(bid, f'http://{SECOND4}/')
    r = E.SB.run(['lowportctl', 'egress', bid], user='alice')
    T.check('rejected: 0 packets' not in r.stdout,
            f'lowportctl egress on a bridge container: {r.stdout}')


def main():
    E.skip_other_generations()
    tests = T.TESTS[BASE:]
    E.run_suite(tests, skip_env='LOWPORT_E2E_SKIP', test_timeout=300,
                prepare_fn=E.prepare, what='e2e egress run')


if __name__ == '__main__':
    main()
