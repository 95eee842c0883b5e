#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Wakeup chain of one fio run, from a tracefs text trace (wakeups.sh).

usage: wakeups.py TRACE IOS [FIO_CPU]

Prints two tables. The first counts, per I/O, each scheduler wakeup
(wakee, waker's CPU -> wakee's CPU), each switch and each IPI. The
second cuts the trace into cycles, from fio running on FIO_CPU (default
0) after a wakeup to the next such time (a preempted fio does not cut
a cycle), keeps the cycles that follow the most common
sequence of wakeups (at queue depth 1: one I/O's round trip), and gives
the median and p99 in microseconds of each step: from the previous
wakee running (fio, for the first) to this wakeup, and from this wakeup
to the wakee running.
"""
import collections
import re
import statistics
import sys

LINE = re.compile(r'\s*(.+?)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+):\s+(\w+):\s*(.*)')


def comm_class(comm):
    """kworker/1:2 and kworker/u4:0 -> kworker, kworkeru."""
    return re.sub(r'[0-9/:]+', '', comm)


def events(path):
    for line in open(path, errors='replace'):
        m = LINE.match(line)
        if not m:
            continue
        comm, _, cpu, ts, ev, rest = m.groups()
        yield float(ts) * 1e6, int(cpu), comm_class(comm), ev, rest


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))]


def main():
    path, ios = sys.argv[1], max(1, int(sys.argv[2]))
    fio_cpu = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    counts = collections.Counter()
    cycles, cur, fio_woken = [], None, False
    for ts, cpu, comm, ev, rest in events(path):
        if ev == 'sched_wakeup':
            wakee = comm_class(re.search(r'comm=(\S+)', rest).group(1))
            to = int(re.search(r'target_cpu=(\d+)', rest).group(1))
            counts['wake %s (cpu%d -> cpu%d)' % (wakee, cpu, to)] += 1
            if cur is not None:
                cur.append(('wake', wakee, ts))
            fio_woken = fio_woken or wakee == 'fio'
        elif ev == 'sched_switch':
            nxt = comm_class(re.search(r'next_comm=(\S+)', rest).group(1))
            counts['switch to %s (cpu%d)' % (nxt, cpu)] += 1
            if cur is not None:
                cur.append(('run', nxt, ts))
            if nxt == 'fio' and cpu == fio_cpu and fio_woken:
                if cur:
                    cycles.append(cur)
                cur = [('run', 'fio', ts)]
                fio_woken = False
        else:
            counts['%s (cpu%d)' % (ev, cpu)] += 1

    print('per I/O (%d I/Os):' % ios)
    for key, n in counts.most_common(20):
        print('  %7.3f  %s' % (n / ios, key))

    # A step: a wakeup, and the wakee's first switch-in after it.
    chains = []
    for cyc in cycles:
        steps, waiting = [], {}
        for kind, who, ts in cyc[1:]:
            if kind == 'wake' and who not in waiting:
                waiting[who] = len(steps)
                steps.append([who, ts, None])
            elif kind == 'run' and who in waiting:
                steps[waiting.pop(who)][2] = ts
        if steps and all(s[2] is not None for s in steps):
            chains.append((cyc[0][2], steps))
    if not chains:
        print('no complete wakeup chains')
        return
    sig = collections.Counter(tuple(s[0] for s in st) for _, st in chains)
    best, n = sig.most_common(1)[0]
    keep = [(t0, st) for t0, st in chains if tuple(s[0] for s in st) == best]
    print('\nchain in %d of %d cycles (us; median / p99):' % (n, len(chains)))
    prev = [t0 for t0, _ in keep]
    for i, who in enumerate(best):
        to_wake = [st[i][1] - p for (_, st), p in zip(keep, prev)]
        to_run = [st[i][2] - st[i][1] for _, st in keep]
        print('  %-10s woken %6.0f / %-6.0f runs %5.0f / %.0f later' %
              (who, statistics.median(to_wake), pct(to_wake, .99),
               statistics.median(to_run), pct(to_run, .99)))
        prev = [st[i][2] for _, st in keep]
    total = [st[-1][2] - t0 for t0, st in keep]
    print('  fio to fio %6.0f / %.0f' %
          (statistics.median(total), pct(total, .99)))


if __name__ == '__main__':
    main()
