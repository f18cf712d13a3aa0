# SPDX-License-Identifier: GPL-2.0-or-later
"""test_upgrade.py - leases the previous release left behind survive an upgrade

The fixtures are what lowportd of commit e55ab00 (state files in the wire
encoding of its day, no "version" member) left behind after a kill -9, with
table-owner=never: one lease of ALICE, tcp 80 -> 30080 on every address and
udp 53 -> 30053 on 127.0.0.1 (captured with fixtures/capture-upgrade.py):
its state file (upgrade-lease.json), the nftables batches it sent
(upgrade-table.nlbatch; nft 1.0.6 cannot parse back the port-only DNAT
rules it lists, so they are replayed over netlink) and the table as nft
listed it (upgrade-table.nft). Each test puts them in place for a fresh
stand-in process, starts this lowportd, and checks: traffic flows the whole
time, the lease is listed (lowportctl list), its state file is rewritten in
format version 2, and the lease ends when its process exits.

Copyright lowport authors
"""

import json
import os
import re
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True
import lptest as lp  # noqa: E402
from lptest import (ALICE, HOST4, PEER_NS, Env, check, eq, info,  # noqa: E402
                    test, tcp_get, udp_ask, wait_until)

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'fixtures')
NETLINK_NETFILTER = 12
NLMSG_ERROR = 2


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


def replay_batches(path):
    """replay_batches() - send the recorded nftables batches again, in
    order, and fail on any error the kernel answers with"""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                       NETLINK_NETFILTER) as s:
        s.bind((0, 0))
        s.settimeout(0.2)
        for line in fixture(path).split():
            s.send(bytes.fromhex(line))
            while True:
                try:
                    data = s.recv(65536)
                except socket.timeout:
                    break
                off = 0
                while off + 16 <= len(data):
                    length, kind = struct.unpack_from('=IH', data, off)
                    if kind == NLMSG_ERROR:
                        err = struct.unpack_from('=i', data, off + 16)[0]
                        check(err == 0, f'replaying {path}: kernel '
                              f'answered {os.strerror(-err)}')
                    off += max(length, 16)


def starttime(pid):
    """starttime() - field 22 of /proc/PID/stat"""
    with open(f'/proc/{pid}/stat') as f:
        stat = f.read()
    return int(stat[stat.rindex(')') + 2:].split()[19])


def install_fixtures(env, backend):
    """install_fixtures() - the old release's state file (now naming
    @backend's process) and table; return (lease id, state file path)"""
    text = fixture('upgrade-lease.json')
    lease_id = json.loads(text)['id']
    text = re.sub(r'"pid":\d+', f'"pid":{backend.pid}', text)
    text = re.sub(r'"starttime":\d+',
                  f'"starttime":{starttime(backend.pid)}', text)
    check('"version"' not in text, 'fixture is not in the old format')
    leases = os.path.join(env.state, 'leases')
    os.makedirs(leases, 0o700, exist_ok=True)
    path = os.path.join(leases, lease_id + '.json')
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, 0o600)
    replay_batches('upgrade-table.nlbatch')
    eq(lp.nft_text('table', *lp.TABLE), fixture('upgrade-table.nft'),
       'the replayed table, as nft lists it')
    return lease_id, path


class Prober:
    """Prober - connect to 127.0.0.1:80 again and again in a thread,
    counting the answers that did not come from @backend"""

    def __init__(self, backend):
        self.backend = backend
        self.attempts = 0
        self.failures = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            text = lp._tcp_get('127.0.0.1', 80, 1.0)
            self.attempts += 1
            if not self.backend.says(text):
                self.failures.append((time.monotonic(), text))
            time.sleep(0.002)

    def finish(self):
        self.stop.set()
        self.thread.join(5.0)
        return self.attempts, self.failures


def expect_flows(b, what):
    local = tcp_get('127.0.0.1', 80)
    peer = tcp_get(HOST4, 80, ns=PEER_NS)
    udp = udp_ask('127.0.0.1', 53, 'ping')
    check(b.says(local) and b.says(peer) and b.says(udp),
          f'{what}: ports do not reach {b.tag} (tcp local: {local!r}, '
          f'tcp peer: {peer!r}, udp: {udp!r})')


def check_state_v2(path, lease_id, pid):
    """check_state_v2() - the state file, rewritten in format version 2"""
    with open(path) as f:
        doc = json.load(f)
    eq((doc.get('format'), doc.get('version'), doc.get('id'),
        doc.get('pid')), ('lowportd-lease', 2, lease_id, pid),
       'rewritten state file: format, version, id, pid')
    eq(doc.get('forwards'),
       [{'protocol': 'tcp', 'address': '*', 'port': 80,
         'backend': 30080, 'count': 1},
        {'protocol': 'udp', 'address': '127.0.0.1', 'port': 53,
         'backend': 30053, 'count': 1}], 'rewritten state file: forwards')
    check('mappings' not in doc, 'rewritten state file still has mappings')


def upgrade(table_owner, untouched):
    with Env(table_owner=table_owner, start=False) as env:
        b = env.backend(ALICE, tcp=[30080], udp=[30053])
        lease_id, path = install_fixtures(env, b)
        expect_flows(b, 'old table, no lowportd')
        elements = lp.nft_lease_elements(lease_id)
        skeleton = lp.nft_skeleton()
        probe = Prober(b)
        time.sleep(0.2)
        t0 = time.monotonic()
        env.start()
        ready = time.monotonic() - t0
        time.sleep(0.3)
        attempts, failures = probe.finish()
        info(f'new lowportd ready in {ready * 1000:.0f} ms; {attempts} '
             f'connections to port 80 across the start, {len(failures)} '
             f'not answered by the stand-in')
        check(attempts >= 20, f'only {attempts} probes ran')
        eq(failures, [], 'probes that failed across the upgrade')
        expect_flows(b, 'after the upgrade')
        eq(env.lease_ids(ALICE), {lease_id}, 'leases listed for ALICE')
        # an old release's leases stay NAT, also where the policy steers
        eq([m.get('datapath', 'nat') for x in env.list(ALICE)
            for m in x.get('mappings', [])], ['nat', 'nat'],
           'data path of the adopted forwards')
        res = env.ctl(ALICE, 'list')
        eq(res.returncode, 0, f'lowportctl list exit status ({res.stderr})')
        info('lowportctl list: ' + ' | '.join(res.stdout.splitlines()))
        check(lease_id in res.stdout and '30080' in res.stdout,
              f'lowportctl list does not show {lease_id}: {res.stdout!r}')
        eq(lp.nft_lease_elements(lease_id), elements,
           'map elements of the lease after the upgrade')
        if untouched:
            diff = lp.nft_diff(skeleton, lp.nft_skeleton())
            check(not diff, f'table rebuilt over the upgrade:\n{diff}')
            eq(lp.nft_text('table', *lp.TABLE), fixture('upgrade-table.nft'),
               'the table after the upgrade, as nft lists it')
        check_state_v2(path, lease_id, b.pid)
        check('rewritten from format version 1 to 2' in env.log_text(),
              'no log line about the rewritten state file')
        t0 = time.monotonic()
        b.kill()
        gone = wait_until(lambda: not lp.nft_lease_elements(lease_id), 3.0,
                          0.005)
        elapsed = time.monotonic() - t0
        check(gone, f'lease {lease_id} still in the table 3 s after its '
              f'process exited')
        info(f'lease {lease_id} removed {elapsed * 1000:.0f} ms after its '
             f'process exited')
        check(elapsed < 1.0, f'removal took {elapsed:.3f} s (>= 1 s)')
        eq(env.lease_ids(ALICE), set(), 'leases listed after the exit')
        check(not os.path.exists(path), f'state file {path} left behind')
        text = tcp_get('127.0.0.1', 80)
        check(not b.says(text), f'port 80 still forwarded: {text!r}')


@test('upgrade (table-owner=never): the old release\'s lease is adopted '
      'with its table untouched, traffic never stops, listed, released on '
      'exit')
def upgrade_never():
    upgrade('never', untouched=True)


@test('upgrade (table-owner=auto): the old release\'s lease is adopted, '
      'traffic never stops, listed, released on exit')
def upgrade_auto():
    upgrade('auto', untouched=False)


if __name__ == '__main__':
    lp.main()
