# SPDX-License-Identifier: GPL-2.0-or-later
"""bench_cpu.py - CPU spent during one load run of bench_e2e.py

Two counts, both taken around the run and nothing else:

  host  busy jiffies of the whole machine from /proc/stat: user, nice,
        system, irq and softirq; idle, iowait and steal left out (guest
        time is already part of user). What the kernel and every process
        spent, the load's share and anybody else's.
  own   what the load itself spent: the client (its rusage, reaped by
        this process), every process of the sandbox (utime + stime from
        the sandbox's own /proc: pasta, the container's server, conmon)
        and the ksoftirqd threads. The kernel charges a task for the
        softirq work done in its context, which is where the receive
        path of loopback and veth traffic (netfilter hooks included) runs:
        the sender's. Other processes on the machine (parallel builds) do
        not count, which makes it the steadier of the two on a shared
        machine; softirq work that interrupts an idle CPU is missed.

Copyright lowport authors
"""

import os
import resource
import time

HZ = os.sysconf('SC_CLK_TCK')


def proc_stat():
    """proc_stat() - the machine's CPU counters, in seconds

    Return: dict with busy, softirq (irq + softirq), steal and total
    """
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    v += [0] * (8 - len(v))
    user, nice, system, idle, iowait, irq, softirq, steal = v
    return {'busy': (user + nice + system + irq + softirq) / HZ,
            'softirq': (irq + softirq) / HZ, 'steal': steal / HZ,
            'total': sum(v) / HZ}


def task_seconds(proc_root):
    """task_seconds() - utime + stime of every process under @proc_root

    @proc_root: a /proc mount (the sandbox's, seen from the host)
    Return: {pid: seconds}
    """
    got = {}
    for d in os.listdir(proc_root):
        if d.isdigit():
            t = _stat_seconds(f'{proc_root}/{d}/stat')
            if t is not None:
                got[int(d)] = t
    return got


def ksoftirqd_pids():
    """ksoftirqd_pids() - PIDs of the host's ksoftirqd/N threads"""
    pids = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open(f'/proc/{d}/comm') as f:
                if f.read().startswith('ksoftirqd/'):
                    pids.append(int(d))
        except OSError:
            continue
    return pids


def _stat_seconds(path):
    """_stat_seconds() - utime + stime from the stat file @path, or None"""
    try:
        with open(path) as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except (OSError, IndexError):
        return None  # exited meanwhile
    return (int(fields[11]) + int(fields[12])) / HZ


def children_seconds():
    """children_seconds() - CPU of the reaped children of this process"""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Meter:
    """Meter - CPU counters around one run: start(), the run, stop()

    The snapshots of the sandbox's processes are taken outside the
    /proc/stat window, so their own cost is not in the host count.
    """

    def __init__(self, proc_root):
        self.proc_root = proc_root
        self.ksoftirqd = [f'/proc/{p}/stat' for p in ksoftirqd_pids()]
        self.tasks = self.kids = self.stat = self.t0 = self.load = None
        self.softirqd = None

    def ksoftirqd_seconds(self):
        return sum(_stat_seconds(p) or 0.0 for p in self.ksoftirqd)

    def start(self):
        with open('/proc/loadavg') as f:
            self.load = float(f.read().split()[0])
        self.tasks = task_seconds(self.proc_root)
        self.softirqd = self.ksoftirqd_seconds()
        self.kids = children_seconds()
        self.stat = proc_stat()
        self.t0 = time.monotonic()

    def stop(self):
        """stop() - end the window

        Return: dict of seconds: wall, busy (host), own, softirq, steal;
        load (the 1-minute load average at the start)
        """
        wall = time.monotonic() - self.t0
        stat = proc_stat()
        kids = children_seconds() - self.kids
        softirqd = self.ksoftirqd_seconds() - self.softirqd
        tasks = task_seconds(self.proc_root)
        sandbox = sum(t - self.tasks.get(pid, 0.0)
                      for pid, t in tasks.items())
        d = {k: stat[k] - self.stat[k] for k in stat}
        return {'wall': wall, 'busy': d['busy'], 'softirq': d['softirq'],
                'steal': d['steal'], 'total': d['total'],
                'client': kids, 'sandbox': sandbox, 'ksoftirqd': softirqd,
                'own': kids + sandbox + softirqd, 'load': self.load}
