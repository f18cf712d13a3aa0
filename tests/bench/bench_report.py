# SPDX-License-Identifier: GPL-2.0-or-later
"""bench_report.py - bench_e2e.py's figures: ratios, table, JSON summary

One record per measured load run (a round, an arm, a workload): n (the
requests, or the Gbit moved), secs (its wall time), busy and own (CPU
seconds, bench_cpu.py). Every arm is compared with the first (the
baseline) two ways:

  pooled            sum over all rounds of the arm / the same of the
                    baseline (rate: n / secs; CPU: CPU seconds / n);
  per-round median  the median over the rounds of (arm's run / baseline's
                    run of the same round): what one round's
                    side-by-side says, with the slow drifts of a shared
                    machine taken out.

Copyright lowport authors
"""

import json
import os
import statistics


def _quartiles(values):
    """_quartiles() - (p25, p75) of @values, or (None, None) below 2"""
    if len(values) < 2:
        return None, None
    q = statistics.quantiles(values, n=4, method='inclusive')
    return q[0], q[2]


def _per(rec, key, scale):
    """_per() - CPU @key of one record per unit of work, scaled"""
    return rec[key] / rec['n'] * scale if rec['n'] else None


def _arm_figures(recs, scale):
    """_arm_figures() - medians and pooled figures of one arm's records"""
    n = sum(r['n'] for r in recs)
    secs = sum(r['secs'] for r in recs)
    f = {'runs': len(recs),
         'rate_median': statistics.median(r['n'] / r['secs'] for r in recs),
         'rate_pooled': n / secs if secs else None,
         'conntrack_median': statistics.median(r['conntrack'] for r in recs)}
    for key in ('busy', 'own'):
        f[f'{key}_median'] = statistics.median(_per(r, key, scale)
                                               for r in recs)
        f[f'{key}_pooled'] = (sum(r[key] for r in recs) / n * scale
                              if n else None)
    return f


def _ratios(f, base, mine, theirs, scale):
    """_ratios() - pooled and per-round-median ratios of @mine to @theirs

    @mine, @theirs: {round: record} of the arm and of the baseline
    """
    rounds = sorted(set(mine) & set(theirs))
    per = {'rate': [], 'busy': [], 'own': []}
    for r in rounds:
        a, b = mine[r], theirs[r]
        per['rate'].append((a['n'] / a['secs']) / (b['n'] / b['secs']))
        for key in ('busy', 'own'):
            per[key].append(_per(a, key, scale) / _per(b, key, scale))
    out = {'rounds': len(rounds)}
    for key in ('rate', 'busy', 'own'):
        out[f'{key}_pooled'] = f[f'{key}_pooled'] / base[f'{key}_pooled']
        out[f'{key}_round_median'] = (statistics.median(per[key])
                                      if per[key] else None)
        out[f'{key}_round_p25'], out[f'{key}_round_p75'] = \
            _quartiles(per[key])
        out[f'{key}_rounds_above_1'] = sum(1 for x in per[key] if x > 1)
    return out


def summarise(records, arms, workloads):
    """summarise() - figures of every (workload, arm) with ratios to arms[0]

    @workloads: {key: dict with scale (CPU seconds per n -> shown unit)}
    Return: {workload: {arm: figures}}
    """
    out = {}
    for w, spec in workloads.items():
        by_arm = {a: {r['round']: r for r in records
                      if r['workload'] == w and r['arm'] == a}
                  for a in arms}
        have = [a for a in arms if by_arm[a]]
        if not have or have[0] != arms[0]:
            continue
        figs = {a: _arm_figures(list(by_arm[a].values()), spec['scale'])
                for a in have}
        for a in have:
            figs[a]['vs_baseline'] = _ratios(figs[a], figs[arms[0]],
                                             by_arm[a], by_arm[arms[0]],
                                             spec['scale'])
        out[w] = figs
    return out


def _f(value, digits=3):
    if value is None:
        return '-'
    if abs(value) >= 1000:
        return f'{value:.0f}'
    return f'{value:.{digits}f}'


def _ratio_cols(v, key, spread):
    """_ratio_cols() - "pool med [p25..p75]" of ratio @key, fixed widths"""
    cols = f'{_f(v[key + "_pooled"]):>5} {_f(v[key + "_round_median"]):>5}'
    if spread:
        q = (f'{_f(v[key + "_round_p25"], 2)}..'
             f'{_f(v[key + "_round_p75"], 2)}')
        cols += f' {q:>10}'
    return cols


def table(summary, arms, workloads, info):
    """table() - print @summary as a table, one line per (workload, arm)

    @arms: {key: label}, baseline first; @info: prints one comment line
    """
    pm = f'{"pool":>5} {"med":>5}'
    pmq = f'{pm} {"p25..p75":>10}'
    head = (f'{"arm":40} {"rate":>8} {"host":>8} {"own":>8} | '
            f'{"rate":^11} | {"host CPU/unit":^22} | '
            f'{"own CPU/unit":^22} | {"ct":>5}')
    sub = (f'{"":40} {"median":>8} {"CPU/u":>8} {"CPU/u":>8} | '
           f'{pm} | {pmq} | {pmq} | {"":>5}')
    for w, figs in summary.items():
        spec = workloads[w]
        info('')
        info(f'{spec["title"]}: rate in {spec["rate_unit"]}, CPU in '
             f'{spec["cpu_unit"]}; ratios to {list(arms.values())[0]}')
        info(head)
        info(sub)
        info('-' * len(head))
        for a, label in arms.items():
            f = figs.get(a)
            if not f:
                continue
            v = f['vs_baseline']
            info(f'{label:40} {_f(f["rate_median"], 2):>8} '
                 f'{_f(f["busy_median"], 2):>8} '
                 f'{_f(f["own_median"], 2):>8} | '
                 f'{_ratio_cols(v, "rate", False)} | '
                 f'{_ratio_cols(v, "busy", True)} | '
                 f'{_ratio_cols(v, "own", True)} | '
                 f'{_f(f["conntrack_median"], 0):>5}')


def write_json(path, doc):
    """write_json() - write @doc to @path (replacing it whole)"""
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write('\n')
    os.replace(tmp, path)
