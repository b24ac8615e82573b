# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module start: the import budget of each module, ours vs azure.azcollection's (and community.docker's).

What a module run imports is recorded, not assumed: each module runs once for real (through
ansible-playbook, against a private emulator or the local Docker engine) with ``python -X importtime``
as its interpreter, and the modules its process imported at top level (the module's own imports and the
lazy ones made during the run) are kept, in order. Then, in fresh processes of the same virtual
environment, alternating between the tools, that list is imported again (median of ``--rounds``,
default 5): the time the imports take and the process's peak RSS. The budget line of each module also
names its heaviest packages (cumulative import time from ``-X importtime``): where the time goes.

The reference for the goals is azure.azcollection's ``azure_rm_common`` with its imports (plus
``ansible.module_utils.basic``, which every module loads), the module_utils every azure.azcollection
module starts with; real runs of two of its modules are shown too. The compose module's run is recorded
in check mode (the same imports, nothing deployed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import (  # noqa: E402  pylint: disable=wrong-import-position
    BENCH_PYTHON,
    OUR_PYTHON,
    Emulator,
    Tool,
    clean_environment,
    collections_path,
    load_average,
    median,
    write_results,
)

SSH_KEY = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH bench@dockyard')
TASKS = {
    'vm': """    - dockyard.azure.vm:
        name: benchvm
        resource_group: "{{ rg }}"
        size: Standard_B1s
        image: debian12
        ssh_public_keys: ["%s"]
        public_ip: true
        inbound_rules: [{ports: [22], source_prefixes: [203.0.113.0/24]}]
""" % SSH_KEY,
    'vm_info': """    - dockyard.azure.vm_info:
        resource_group: "{{ rg }}"
""",
    'resource_group': """    - dockyard.azure.resource_group:
        name: "{{ rg }}"
        location: westeurope
""",
    'compose': """    - dockyard.azure.compose:
        project_src: "{{ project }}"
        project_name: benchimports
""",
    'azure_rm_resourcegroup': """    - azure.azcollection.azure_rm_resourcegroup:
        name: "{{ rg }}"
        location: westeurope
""",
    'azure_rm_virtualmachine_info': """    - azure.azcollection.azure_rm_virtualmachine_info:
        resource_group: "{{ rg }}"
""",
}
# Runs whose import list is recorded in check mode (the same code path, nothing created).
CHECK_MODE = ('compose',)
THIRD_PARTY = ('azure', 'ansible_collections', 'docker', 'msal', 'cryptography', 'requests', 'urllib3', 'yaml', 'jsonschema',
               'paramiko', 'msrest', 'msrestazure', 'ansible')
AZC_COMMON = 'ansible_collections.azure.azcollection.plugins.module_utils.azure_rm_common'

# Replays an import list in a fresh process: {'seconds', 'rss_kib', 'failed'} on stdout.
REPLAY = r'''
import importlib, json, resource, sys, time
names = json.load(open(sys.argv[1]))
failed = []
started = time.perf_counter()
for name in names:
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name)
seconds = time.perf_counter() - started
print(json.dumps({'seconds': seconds, 'rss_kib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 'failed': failed}))
'''

WRAPPER = '''#!/bin/sh
# Record the imports of module processes (AnsiballZ_<module>.py); anything else runs as is.
case "$1" in
  *AnsiballZ_*) name=$(basename "$1" .py); exec %(python)s -X importtime "$@" 2>"%(dir)s/${name#AnsiballZ_}.importtime" ;;
esac
exec %(python)s "$@"
'''


def parse_importtime(path):
    """(top-level imported names in order, [(cumulative us, name)] of the packages imported, heaviest first)."""
    top, packages = [], {}
    with open(path, encoding='utf-8', errors='replace') as handle:
        for line in handle:
            if not line.startswith('import time:') or 'cumulative' in line:
                continue
            _prefix, cumulative, name = line.split('|', 2)
            indent = len(name) - len(name.lstrip(' '))
            name = name.strip()
            if indent <= 1:
                top.append(name)
            packages[name] = max(packages.get(name, 0), int(cumulative.strip()))
    return top, sorted(((us, name) for name, us in packages.items()), reverse=True)


def heaviest(packages, count=5):
    """The heaviest third-party / collection packages (not the stdlib) of an importtime profile."""
    chosen = []
    for us, name in packages:
        known = name.split('.')[0] in THIRD_PARTY and name.count('.') <= 3
        nested = any(name.startswith(other + '.') or other.startswith(name + '.') for _us, other in chosen)
        if known and not nested:
            chosen.append((us, name))
        if len(chosen) == count:
            break
    return ['%s %.0f ms' % (name, us / 1000) for us, name in chosen]


def capture(python, tasks, env, workdir, extra, name, check=False):
    """Run `tasks` with the recording interpreter; the module's import list and its importtime profile."""
    record_dir = os.path.join(workdir, 'record-%s' % name)
    os.makedirs(record_dir, exist_ok=True)
    tool = Tool('capture-%s' % name, python, env, workdir, tasks)
    wrapper = os.path.join(workdir, 'python-record-%s' % name)
    with open(wrapper, 'w', encoding='utf-8') as handle:
        handle.write(WRAPPER % {'python': python, 'dir': record_dir})
    os.chmod(wrapper, 0o755)
    tool.interpreter = wrapper
    tool.run(extra, check=check)
    path = os.path.join(record_dir, '%s.importtime' % name)
    return parse_importtime(path)


def replay(python, names, workdir, label, env):
    path = os.path.join(workdir, 'names-%s.json' % label.replace(' ', '_').replace('/', '_'))
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(names, handle)
    done = subprocess.run([python, '-c', REPLAY, path], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


def write_project(root):
    path = os.path.join(root, 'project')
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, 'compose.yaml'), 'w', encoding='utf-8') as handle:
        handle.write('services:\n  web:\n    image: dockyard-test/busybox:latest\n    command: ["sleep", "3600"]\n')
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--bench-python', default=BENCH_PYTHON)
    args = parser.parse_args()
    load_before = load_average()
    workdir = tempfile.mkdtemp(prefix='bench-imports-')
    emulator = Emulator(latency_ms=0)
    base = clean_environment()
    ours_env = dict(base, ANSIBLE_COLLECTIONS_PATH=collections_path(), **emulator.env)
    azc_env = dict(base, **emulator.azcollection_env(os.path.join(workdir, 'azure-config')))
    project = write_project(workdir)
    rg = 'bench-imports-%s' % uuid.uuid4().hex[:6]
    extra = {'rg': rg, 'project': project}
    have_azc = os.path.exists(args.bench_python)
    # name -> (tool, python, env, import list, profile)
    budgets = {}
    try:
        emulator.put_group(rg)
        plan = [('ours', OUR_PYTHON, ours_env, name) for name in ('resource_group', 'vm', 'vm_info', 'compose')]
        if have_azc:
            plan += [('azc', args.bench_python, azc_env, name) for name in ('azure_rm_resourcegroup', 'azure_rm_virtualmachine_info')]
        for tool, python, env, name in plan:
            tasks = TASKS[name]
            if name == 'vm':
                Tool('setup-vm', python, env, workdir, tasks).run(extra)  # created once: the budget is the unchanged run's
            names, profile = capture(python, tasks, env, workdir, extra, name, check=name in CHECK_MODE)
            budgets['%s: %s' % (tool, name)] = (python, names, profile)
        if have_azc:
            common_profile = subprocess.run([args.bench_python, '-X', 'importtime', '-c',
                                             'import ansible.module_utils.basic, %s' % AZC_COMMON],
                                            capture_output=True, text=True, env=base, check=True).stderr
            profile_path = os.path.join(workdir, 'azc-common.importtime')
            with open(profile_path, 'w', encoding='utf-8') as handle:
                handle.write(common_profile)
            budgets['azc: azure_rm_common'] = (args.bench_python, ['ansible.module_utils.basic', AZC_COMMON],
                                               parse_importtime(profile_path)[1])
        labels = list(budgets)
        samples = {label: [] for label in labels}
        for round_ in range(args.rounds):
            for label in (labels if round_ % 2 == 0 else list(reversed(labels))):
                python, names, _profile = budgets[label]
                env = dict(base, PYTHONPATH=collections_path()) if label.startswith('ours') else base
                samples[label].append(replay(python, names, workdir, label, env))
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    results = {}
    print('Import budget: what a module run imports, replayed in a fresh process (median of %d, alternating); load %s -> %s'
          % (args.rounds, ' '.join(map(str, load_before)), ' '.join(map(str, load_average()))))
    print('%-36s %9s %8s %8s  %s' % ('module', 'import s', 'RSS MiB', 'modules', 'heaviest packages (cumulative)'))
    for label in budgets:
        python, names, profile = budgets[label]
        seconds = median([sample['seconds'] for sample in samples[label]])
        rss = median([sample['rss_kib'] for sample in samples[label]])
        failed = samples[label][-1]['failed']
        results[label] = {'seconds': seconds, 'rss_kib': rss, 'imports': names, 'failed': failed,
                          'heaviest': heaviest(profile), 'samples': samples[label]}
        unimportable = ' (%d not importable)' % len(failed) if failed else ''
        print('%-36s %9.3f %8.0f %8d  %s%s' % (label, seconds, rss / 1024, len(names), ', '.join(heaviest(profile, 4)), unimportable))
    reference = results.get('azc: azure_rm_common')
    if reference:
        for label in ('ours: vm', 'ours: vm_info', 'ours: resource_group'):
            if label in results:
                print('%-36s vs azure_rm_common: time %.2fx, memory %.2fx' % (
                    label, results[label]['seconds'] / reference['seconds'], results[label]['rss_kib'] / reference['rss_kib']))
    write_results('imports', {'rows': results, 'rounds': args.rounds, 'load_before': load_before, 'load_after': load_average()})


if __name__ == '__main__':
    main()
