# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The goals of the speed work (issue 17) against the last results of each suite, as one table.

Reads ``benchmarks/results/<suite>.json`` (written by each suite's bench.py; a suite not run yet is
shown as missing) and prints each ratio with its goal, whether it is met, and when and under what load
(1-minute load average before and after the suite, on a machine with ``cpus`` cores) it was measured.
Benchmarks do not pass or fail: a ratio over its goal is reported, not raised. ``--json`` prints the
same rows as JSON.
"""

from __future__ import annotations

import argparse
import json
import os

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results')


def load(suite):
    path = os.path.join(RESULTS, '%s.json' % suite)
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def ratio(numerator, denominator):
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def row_median(results, label, key='median'):
    row = (results or {}).get('rows', {}).get(label)
    return None if row is None else row.get(key)


def above_floor(results, tool, label):
    value, floor = row_median(results, '%s: %s' % (tool, label)), row_median(results, '%s: ping (floor)' % tool)
    return None if value is None or floor is None else value - floor


def goals():
    """[(suite, what, measured, goal, detail)]: measured and goal are numbers (measured <= goal is met)."""
    azure, imports, compose, loader, fleet = (load(name) for name in ('azure', 'imports', 'compose', 'loader', 'fleet'))
    rows = [
        ('azure', 'vm unchanged: wall time, ours / azc',
         ratio(row_median(azure, 'ours: VM unchanged'), row_median(azure, 'azc: VM unchanged')), 0.3, ''),
        ('azure', 'vm unchanged: above the ping floor, ours / azc',
         ratio(above_floor(azure, 'ours', 'VM unchanged'), above_floor(azure, 'azc', 'VM unchanged')), None, ''),
        ('azure', 'vm unchanged: ARM reads (inbound rules set)', row_median(azure, 'ours: VM unchanged', 'reads'), 3,
         'azc %s' % row_median(azure, 'azc: VM unchanged', 'reads')),
        ('azure', 'vm unchanged: ARM writes', row_median(azure, 'ours: VM unchanged', 'writes'), 0, ''),
        ('azure', 'vm from nothing: wall time, ours / azc',
         ratio(row_median(azure, 'ours: VM from nothing'), row_median(azure, 'azc: VM from nothing')), None, ''),
        ('azure', 'vm module peak RSS, ours / azc',
         ratio(row_median(azure, 'ours: VM unchanged', 'rss_kib'), row_median(azure, 'azc: VM unchanged', 'rss_kib')),
         None, ''),
        ('imports', 'vm imports: time, ours / azure_rm_common',
         ratio(row_median(imports, 'ours: vm', 'seconds'), row_median(imports, 'azc: azure_rm_common', 'seconds')), 0.25, ''),
        ('imports', 'vm imports: memory, ours / azure_rm_common',
         ratio(row_median(imports, 'ours: vm', 'rss_kib'), row_median(imports, 'azc: azure_rm_common', 'rss_kib')), 0.4, ''),
        ('fleet', 'docker_host: 10 hosts / 1 host',
         ratio((fleet or {}).get('medians', {}).get('10'), (fleet or {}).get('medians', {}).get('1')), 1.3, ''),
        ('compose', 'compose first deploy: engine process / CLI',
         ratio(row_median(compose, 'engine: first deploy'), row_median(compose, 'cli: first deploy')), 0.8, ''),
        ('compose', 'compose first deploy: playbook above floor / CLI',
         ratio(above_floor(compose, 'ours', 'first deploy'), row_median(compose, 'cli: first deploy')), None, ''),
        ('compose', 'compose unchanged: above floor, ours / docker_compose_v2',
         ratio(above_floor(compose, 'ours', 'unchanged'), above_floor(compose, 'cdk', 'unchanged')), 0.3,
         'ours %s s, cdk %s s' % tuple(_seconds(above_floor(compose, tool, 'unchanged')) for tool in ('ours', 'cdk'))),
        ('loader', 'loader per process (bytecode cached) / CLI config',
         ratio((loader or {}).get('totals', {}).get('ours, bytecode cached'), (loader or {}).get('totals', {}).get('cli config')),
         1.0, ''),
        ('loader', 'loader per process (no bytecode, AnsiballZ) / CLI config',
         ratio((loader or {}).get('totals', {}).get('ours, no bytecode (AnsiballZ)'),
               (loader or {}).get('totals', {}).get('cli config')), None, ''),
    ]
    inventory = load('inventory')
    rows += inventory_goals(inventory)
    suites = {'azure': azure, 'imports': imports, 'compose': compose, 'loader': loader, 'fleet': fleet, 'inventory': inventory}
    return rows, suites


def inventory_goals(results):
    """Issue 14's goals: ansible-inventory --list over the fleet (benchmarks/inventory; its rows are a list of cases)."""
    cases = {row['case']: row for row in (results or {}).get('rows', [])}
    anchor = next((row for case, row in cases.items() if case.startswith('azure_rm')), {})
    ours, cached = cases.get('dockyard.azure.vms', {}), cases.get('dockyard.azure.vms, cache hit', {})
    floor = cases.get('floor: ansible-inventory, empty inventory (our venv)', {})
    one_region = cases.get('dockyard.azure.vms, one region', {})
    fleet = '%s VMs, %s groups' % ((results or {}).get('vms'), (results or {}).get('groups'))

    def minus(row, key):
        return None if key not in row or key not in floor else row[key] - floor[key]

    return [
        ('inventory', 'inventory --list: wall time, ours / azure_rm', ratio(ours.get('median_s'), anchor.get('median_s')), 0.2,
         fleet),
        ('inventory', 'inventory --list: ARM requests, ours', ours.get('arm_calls'), 10,
         'azure_rm %s requests carrying %s operations' % (anchor.get('arm_calls'), anchor.get('arm_operations'))),
        ('inventory', 'inventory --list: ARM requests, every VM in one region', one_region.get('arm_calls'), None,
         "Compute's 50 VMs per region per page"),
        ('inventory', 'inventory cache hit: wall s above the floor', minus(cached, 'median_s'), 1.0,
         'CPU s above the floor %s' % _seconds(minus(cached, 'median_cpu_s'))),
    ]


def _seconds(value):
    return 'n/a' if value is None else '%.2f' % value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--json', action='store_true')
    args = parser.parse_args()
    rows, suites = goals()
    if args.json:
        print(json.dumps([{'suite': suite, 'what': what, 'measured': measured, 'goal': goal, 'detail': detail}
                          for suite, what, measured, goal, detail in rows], indent=2))
        return
    print('%-60s %9s %7s %5s  %s' % ('goal (issue 17)', 'measured', 'goal', 'met', 'detail'))
    for _suite, what, measured, goal, detail in rows:
        shown = 'missing' if measured is None else ('%.2f' % measured if isinstance(measured, float) else str(measured))
        met = '' if goal is None or measured is None else ('yes' if measured <= goal else 'NO')
        print('%-60s %9s %7s %5s  %s' % (what, shown, '' if goal is None else '<= %s' % goal, met, detail))
    print()
    print('%-8s %-20s %6s %-24s %s' % ('suite', 'finished', 'rounds', 'load 1/5/15 before', 'load after (cores)'))
    for suite, results in suites.items():
        if results:
            print('%-8s %-20s %6s %-24s %s (%s)' % (
                suite, results.get('finished'), results.get('rounds'), ' '.join(map(str, results.get('load_before', []))),
                ' '.join(map(str, results.get('load_after', []))), results.get('cpus')))
        else:
            print('%-8s not run (benchmarks/%s/run.sh)' % (suite, suite))


if __name__ == '__main__':
    main()
