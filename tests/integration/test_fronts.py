# SPDX-License-Identifier: GPL-2.0-or-later
"""test_fronts.py - which front made a lease; refusals for the user's own
lease (retry only while its process is on its way out, one log line per
refused request); adoption of a lease whose process exited unreaped

Copyright lowport authors
"""

import json
import os
import select
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
import lptest as lp  # noqa: E402
from lptest import (ALICE, PYTHON, Env, check, eq, info, mapping,  # noqa: E402
                    test, wait_until)

# A lease process whose main thread exits (SYS_exit, not exit_group) on
# "go" while a second thread lives on for DELAY seconds: the kernel shows
# the leader as a zombie, yet its pidfd polls readable only when the last
# thread is gone. That is a process "on its way out" for as long as the
# test wants; "sleep" instead of "go" ends the whole process later.
EXITING_CODE = r'''
import ctypes, os, sys, threading, time
nr = {"x86_64": 60, "aarch64": 93, "riscv64": 93}[os.uname().machine]
print("ready", flush=True)
cmd, delay = sys.stdin.readline().split()
threading.Thread(target=lambda: (time.sleep(float(delay)),
                                 os._exit(0))).start()
if cmd == "go":
    ctypes.CDLL(None).syscall(nr, 0)
threading.Event().wait()
'''

# A parent that never reaps: it forks a child, prints the child's PID, and
# on "go" the child exits and stays a zombie while the parent sleeps.
ZOMBIE_CODE = r'''
import os, sys, time
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(w)
    os.read(r, 1)
    os._exit(0)
os.close(r)
print(pid, flush=True)
sys.stdin.readline()
os.write(w, b"x")
time.sleep(3600)
'''


# A stand-in for the real pasta behind lowport's pasta shim: it listens on
# the rewritten (backend) host port of each -t, daemonizes and writes its
# daemon's PID to --pid. It quits on SIGTERM; if the file "slow-exit"
# exists next to it, its main thread exits first and the process is gone
# 0.5 s later, as a helper that takes a moment to quit (lowportd sees it
# as exiting meanwhile).
FAKE_PASTA = r'''#!/usr/bin/python3 -I
import ctypes, os, signal, socket, sys, threading, time
args = sys.argv[1:]
ports = [int(args[i + 1].split(":")[0].split("-")[0])
         for i, a in enumerate(args) if a == "-t" and args[i + 1] != "none"]
pid_file = args[args.index("--pid") + 1]
socks = []
for port in ports:
    for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(fam, socket.SOCK_STREAM)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(8)
        socks.append(s)
child = os.fork()
if child:  # as pasta does: the parent writes the daemon's PID, then exits
    with open(pid_file, "w") as f:
        f.write(f"{child}\n")
    os._exit(0)
os.setsid()
for fd in (0, 1, 2):
    os.close(fd)
def quit(*_):
    if not os.path.exists(os.path.join(os.path.dirname(sys.argv[0]),
                                       "slow-exit")):
        os._exit(0)
    threading.Thread(target=lambda: (time.sleep(0.5), os._exit(0))).start()
    ctypes.CDLL(None).syscall({"x86_64": 60, "aarch64": 93}[os.uname().machine], 0)
signal.signal(signal.SIGTERM, quit)
while True:
    signal.pause()
'''


class Shim:
    """Shim - lowport's pasta shim (from $LOWPORT_PASTA_SHIM) with the
    stand-in pasta, run as @user against @env's lowportd"""

    def __init__(self, env, user):
        self.env, self.user = env, user
        self.fake = os.path.join(env.dir, 'fake-pasta')
        with open(self.fake, 'w') as f:
            f.write(FAKE_PASTA)
        os.chmod(self.fake, 0o755)
        self.run_dir = os.path.join(env.dir, f'run-{user.uid}')
        os.makedirs(self.run_dir, exist_ok=True)
        os.chown(self.run_dir, user.uid, user.gid)
        self.daemons = []

    def run(self, port=80):
        """run() - one "container start": (exit status, output, seconds)"""
        env = lp._user_env()
        env.update(LOWPORT_SOCKET=self.env.socket,
                   LOWPORT_REAL_PASTA=self.fake,
                   XDG_RUNTIME_DIR=self.run_dir)
        argv = [os.environ['LOWPORT_PASTA_SHIM'], '--config-net',
                '-t', f'{port}-{port}:80-80', '-u', 'none',
                '--netns', self.env.netns_path, '--quiet']
        start = time.monotonic()
        res = subprocess.run(argv, capture_output=True, text=True,
                             timeout=30, env=env, **self.user.popen_kwargs())
        return res.returncode, res.stdout + res.stderr, \
            time.monotonic() - start

    def close(self):
        for lease in self.env.list():
            try:
                os.kill(lease['pid'], signal.SIGKILL)
            except OSError:
                pass


class Proc:
    """Proc - a process of @user running @code; pidfd() on @pid (the
    process itself, or the PID it prints first)"""

    def __init__(self, user, code, pid_from_stdout=False):
        self.proc = lp._track(subprocess.Popen(
            [PYTHON, '-I', '-c', code], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            **user.popen_kwargs()))
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        line = self.proc.stdout.readline().strip() if ready else b''
        check(line, 'helper process did not start')
        self.pid = int(line) if pid_from_stdout else self.proc.pid
        self._pidfd = None

    def pidfd(self):
        if self._pidfd is None:
            self._pidfd = os.pidfd_open(self.pid)
        return self._pidfd

    def say(self, text):
        self.proc.stdin.write(text.encode() + b'\n')
        self.proc.stdin.flush()

    def state(self):
        return Proc.state_of(self.pid)

    @staticmethod
    def state_of(pid):
        try:
            with open(f'/proc/{pid}/stat') as f:
                return f.read().rsplit(')', 1)[1].split()[0]
        except OSError:
            return None

    def close(self):
        if self._pidfd is not None:
            os.close(self._pidfd)
        lp.stop_process(self.proc, signal.SIGKILL)


def refusal_lines(env, mark):
    return [x for x in env.log_text(mark).splitlines()
            if 'refused forward' in x]


@test('front: absent is pasta, rootlessport and pesto are kept and listed, '
      'an unknown front is refused with a clear error')
def front_recorded():
    with Env() as env:
        b = env.backend(ALICE, tcp=[30080, 30443, 31020, 31021])
        ids = {}
        for port, front in ((80, None), (443, 'rootlessport'),
                            (1020, 'pesto')):
            extra = {'front': front} if front else None
            r = lp.expect_ok(env.forward(
                ALICE, [mapping('tcp', port, 30000 + port)], b,
                extra=extra), f'forward with front {front}')
            ids[r['lease']['id']] = front or 'pasta'
        got = {x['id']: x.get('front') for x in env.list(ALICE)}
        eq(got, ids, 'front of each listed lease')
        mark = env.log_size()
        res = env.forward(ALICE, [mapping('tcp', 1021, 31021)], b,
                          extra={'front': 'slirp4netns'})
        lp.expect_error(res, 'bad-request',
                        "malformed request: front: unknown front 'slirp4netns' "
                        '(expected pasta, rootlessport or pesto)')
        eq(env.lease_ids(ALICE), set(ids), 'leases after the bad front')
        admitted = [x for x in env.log_text(0).splitlines()
                    if 'admitted lease' in x]
        check(any('(rootlessport)' in x for x in admitted),
              f'admission log does not name the front:\n{admitted}')
        check(env.alive(), f'lowportd died (log since {mark})')


@test('lowportctl list shows a FRONT column, --json a "front" member')
def ctl_list_front():
    lp.lowportctl_or_skip()
    with Env() as env:
        b = env.backend(ALICE, tcp=[30080])
        r = lp.expect_ok(env.forward(ALICE, [mapping('tcp', 80, 30080)], b,
                                     extra={'front': 'pesto'}), 'forward')
        lease_id = r['lease']['id']
        res = env.ctl(ALICE, 'list')
        eq(res.returncode, 0, f'lowportctl list rc ({res.stderr})')
        lines = res.stdout.splitlines()
        header = lines[0].split()
        check('FRONT' in header, f'no FRONT column:\n{res.stdout}')
        row = [x.split() for x in lines if lease_id in x.split()]
        check(len(row) == 1, f'no row for {lease_id}:\n{res.stdout}')
        eq(row[0][header.index('FRONT')], 'pesto', 'FRONT of the lease')
        res = env.ctl(ALICE, 'list', '--json')
        doc = json.loads(res.stdout)
        eq([x.get('front') for x in doc], ['pesto'], 'front in --json')


@test('own lease whose process runs (a second container on the port): '
      'refused at once, no "retry", one log line')
def own_running_refused_at_once():
    with Env() as env:
        old = env.backend(ALICE, tcp=[30080])
        first = env.lease(ALICE, [mapping('tcp', 80, 30080)], old)
        new = env.backend(ALICE, tcp=[30081])
        mark = env.log_size()
        start = time.monotonic()
        res = env.forward(ALICE, [mapping('tcp', 80, 30081)], new)
        elapsed = time.monotonic() - start
        lp.expect_error(res, 'conflict',
                        'port 80/tcp on 0.0.0.0 is already forwarded by '
                        f'your lease {first}')
        err = res.reply['error']
        check('retry' not in err, f'refusal says retry: {err!r}')
        info(f'refused in {res.elapsed * 1000:.1f} ms (client), '
             f'{elapsed * 1000:.1f} ms (with the client process)')
        check(res.elapsed < 0.5, f'refusal took {res.elapsed:.3f} s')
        eq(len(refusal_lines(env, mark)), 1, 'refusal log lines')


@test('own lease whose process is exiting: "retry", repetitions are not '
      'logged, the same forward is admitted once it is gone')
def own_exiting_retry():
    with Env() as env:
        old = env.backend(ALICE, tcp=[30080])
        holder = Proc(ALICE, EXITING_CODE)
        try:
            r = lp.expect_ok(env.forward(ALICE, [mapping('tcp', 80, 30080)],
                                         old, pidfd_of=holder), 'forward')
            first = r['lease']['id']
            new = env.backend(ALICE, tcp=[30081])
            mark = env.log_size()
            holder.say('go 1.0')
            check(wait_until(lambda: holder.state() == 'Z', 2.0),
                  f'leader not a zombie: {holder.state()}')
            want = (f'port 80/tcp on 0.0.0.0 is already forwarded by your '
                    f'lease {first}, whose process {holder.pid} is exiting')
            retry, start = 0, time.monotonic()
            while True:
                res = env.forward(ALICE, [mapping('tcp', 80, 30081)], new,
                                  extra={'front': 'pasta', 'retry': retry})
                if res.reply and res.reply.get('ok'):
                    break
                lp.expect_error(res, 'conflict', want)
                eq(res.reply['error'].get('retry'), True, 'retry hint')
                check(time.monotonic() - start < 3.0,
                      'still refused 3 s after the leader exited')
                retry += 1
                time.sleep(0.1)
            info(f'admitted after {retry} retries, '
                 f'{time.monotonic() - start:.2f} s')
            check(retry >= 3, f'only {retry} retries: no exiting window?')
            eq(len(refusal_lines(env, mark)), 1,
               f'refusal log lines:\n{env.log_text(mark)}')
            check(f'after retries: {retry}' in env.log_text(mark),
                  f'admission does not say after retries:\n'
                  f'{env.log_text(mark)}')
            eq(env.lease_ids(ALICE) - {first}, {res.reply['lease']['id']},
               'the new lease')
        finally:
            holder.close()


@test('a lease whose process exited unreaped while lowportd was down is '
      'removed at start as "exited while lowportd was down"')
def adopt_zombie():
    with Env() as env:
        b = env.backend(ALICE, tcp=[30080])
        parent = Proc(ALICE, ZOMBIE_CODE, pid_from_stdout=True)
        try:
            lease_id = lp.expect_ok(env.forward(
                ALICE, [mapping('tcp', 80, 30080)], b, pidfd_of=parent),
                'forward')['lease']['id']
            env.kill9()
            parent.say('go')
            check(wait_until(lambda: parent.state() == 'Z', 2.0),
                  f'child not a zombie: {parent.state()}')
            mark = env.log_size()
            env.start()
            eq(env.lease_ids(ALICE), set(), 'leases after restart')
            log = env.log_text(mark)
            check(f'removed lease {lease_id}' in log and
                  'exited while lowportd was down' in log,
                  f'removal not logged as exited while down:\n{log}')
            check('process exited' not in log,
                  f'zombie adopted, then removed:\n{log}')
            eq(parent.state(), 'Z', 'the child is still an unreaped zombie')
        finally:
            parent.close()


@test('a lease whose process\'s main thread exited while lowportd was down '
      '(leader zombie, a thread left) is not adopted')
def adopt_exiting():
    with Env() as env:
        b = env.backend(ALICE, tcp=[30080])
        holder = Proc(ALICE, EXITING_CODE)
        try:
            lease_id = lp.expect_ok(env.forward(
                ALICE, [mapping('tcp', 80, 30080)], b, pidfd_of=holder),
                'forward')['lease']['id']
            env.kill9()
            holder.say('go 5')
            check(wait_until(lambda: holder.state() == 'Z', 2.0),
                  f'leader not a zombie: {holder.state()}')
            mark = env.log_size()
            env.start()
            eq(env.lease_ids(ALICE), set(), 'leases after restart')
            log = env.log_text(mark)
            check(f'removed lease {lease_id}' in log and
                  'exited while lowportd was down' in log,
                  f'removal not logged as exited while down:\n{log}')
        finally:
            holder.close()


def shim_or_skip():
    if not os.environ.get('LOWPORT_PASTA_SHIM'):
        lp.skip('LOWPORT_PASTA_SHIM is not set')


@test('pasta shim: a second container on the user\'s own port is refused '
      'at once with one log line; a quick restart still gets the port')
def shim_own_port():
    shim_or_skip()
    with Env() as env:
        shim = Shim(env, ALICE)
        try:
            rc, out, t = shim.run()
            eq(rc, 0, f'first container (output {out!r})')
            (first,) = env.list(ALICE)
            eq(first.get('front'), 'pasta', 'front of the shim\'s lease')
            mark = env.log_size()
            rc, out, t = shim.run()
            n = len(refusal_lines(env, mark))
            info(f'second container refused after {t * 1000:.0f} ms; '
                 f'{n} refusal log line(s)')
            eq(rc, 1, f'second container (output {out!r})')
            check('already forwarded by your lease' in out,
                  f'refusal does not name the lease: {out!r}')
            check(t < 1.0, f'second container refused after {t:.2f} s; '
                  f'{n} refusal log lines')
            eq(n, 1, 'refusal log lines of the second container')
            # podman restart: the old pasta is on its way out (0.5 s)
            mark = env.log_size()
            open(os.path.join(env.dir, 'slow-exit'), 'w').close()
            os.kill(first['pid'], signal.SIGTERM)
            check(wait_until(lambda: Proc.state_of(first['pid']) == 'Z',
                             2.0), 'old pasta did not start exiting')
            rc, out, t = shim.run()
            log = env.log_text(mark)
            n = len([x for x in log.splitlines() if 'refused forward' in x])
            info(f'quick restart granted after {t * 1000:.0f} ms; '
                 f'{n} refusal log line(s)')
            eq(rc, 0, f'restarted container (output {out!r}, log {log})')
            eq(n, 1, f'refusal log lines of the restart:\n{log}')
            check('after retries' in log, f'no admission after retries:\n'
                  f'{log}')
        finally:
            shim.close()


if __name__ == '__main__':
    lp.main()
