# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the side-by-side benchmark suites share: the emulator, the tools being compared, medians, the machine's load.

Not the collection's code and not the emulator's: benchmarks drive both from the outside, as a user does
(``dockyard-emulator`` on the command line, ``ansible-playbook`` in each tool's virtual environment, plain
REST for set-up). Each suite writes ``benchmarks/results/<suite>.json``; ``benchmarks/report.py`` turns
those files into the table of ratios and goals.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, 'results')
OUR_PYTHON = os.path.join(REPO, '.venv', 'bin', 'python')
BENCH_PYTHON = os.path.join(HERE, '.venv', 'bin', 'python')
GNU_TIME = '/usr/bin/time'
_POLLS = re.compile(r'/(operations|operationStatuses|operationResults|asyncoperations)/', re.IGNORECASE)
_MODULE = re.compile(r'AnsiballZ_(\w+)\.py')

PLAY = """- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
%s
"""
PING = '    - ansible.builtin.ping:\n'


def load_average():
    """The 1, 5 and 15 minute load averages (os.getloadavg)."""
    return [round(value, 2) for value in os.getloadavg()]


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def write_results(suite, results):
    os.makedirs(RESULTS, exist_ok=True)
    results = dict(results, suite=suite, finished=time.strftime('%Y-%m-%dT%H:%M:%S'), cpus=os.cpu_count())
    with open(os.path.join(RESULTS, '%s.json' % suite), 'w', encoding='utf-8') as handle:
        json.dump(results, handle, indent=2, sort_keys=True)


def collections_path():
    """Where dockyard.azure is installed for the playbooks: `make`'s ANSIBLE_COLLECTIONS_PATH, else the checkout's copy."""
    return os.environ.get('BENCH_COLLECTIONS') or os.path.join(REPO, '.ansible', 'collections')


def clean_environment():
    """os.environ without Azure/Ansible settings that would leak into the tools' runs."""
    env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_NOCOLOR='1',
               ANSIBLE_HOST_KEY_CHECKING='0', ANSIBLE_DEPRECATION_WARNINGS='0')
    for name in list(env):
        if name.startswith('AZURE_') or name in ('ANSIBLE_CONFIG', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE',
                                                 'ARM_CLOUD_METADATA_URL', 'ANSIBLE_COLLECTIONS_PATH'):
            del env[name]
    return env


class Emulator:
    """A private dockyard-emulator (its own state dir), started with the given options, stopped by stop()."""

    def __init__(self, latency_ms=40, backend='none', lro_seconds=0.5, retry_after=1, state_dir=None):
        self.own_state = state_dir is None
        self.state = state_dir or tempfile.mkdtemp(prefix='bench-emulator-')
        self.command = os.path.join(REPO, '.venv', 'bin', 'dockyard-emulator')
        subprocess.run([self.command, 'start', '--state-dir', self.state, '--port', '0', '--vm-backend', backend,
                        '--lro-seconds', str(lro_seconds), '--retry-after', str(retry_after),
                        '--latency-ms', str(latency_ms)], check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run([self.command, 'env', '--state-dir', self.state, '--format', 'json'],
                             check=True, capture_output=True, text=True).stdout
        self.env = json.loads(out)
        self.context = ssl.create_default_context(cafile=self.env['REQUESTS_CA_BUNDLE'])
        self._token = None

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.env['AZURE_ARM_ENDPOINT'] + '/_emulator/' + path, data=data, method=method,
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, context=self.context, timeout=60) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def last(self):
        return self.control('GET', 'requests?since=0')['last'] or 0

    def calls(self, since):
        """{'arm', 'writes', 'reads'} of the ARM requests after `since`; reads are GETs other than LRO status polls."""
        arm = [entry for entry in self.control('GET', 'requests?since=%d' % since)['value'] if entry['kind'] == 'arm']
        reads = [entry for entry in arm if entry['method'] == 'GET' and not _POLLS.search(entry['path'])]
        return {'arm': len(arm), 'writes': sum(1 for entry in arm if entry['write']), 'reads': len(reads)}

    def token(self):
        if self._token is None:
            form = urllib.parse.urlencode({
                'grant_type': 'client_credentials', 'client_id': self.env['AZURE_CLIENT_ID'],
                'client_secret': self.env['AZURE_CLIENT_SECRET'], 'scope': self.env['AZURE_ARM_ENDPOINT'] + '/.default',
            }).encode()
            url = '%s/%s/oauth2/v2.0/token' % (self.env['AZURE_AUTHORITY_HOST'], self.env['AZURE_TENANT_ID'])
            with urllib.request.urlopen(url, data=form, context=self.context, timeout=60) as response:
                self._token = json.loads(response.read())['access_token']
        return self._token

    def put_group(self, name, location='westeurope'):
        """Create a resource group with a plain REST call (set-up, outside what is measured)."""
        url = '%s/subscriptions/%s/resourcegroups/%s?api-version=2022-09-01' % (
            self.env['AZURE_ARM_ENDPOINT'], self.env['AZURE_SUBSCRIPTION_ID'], name)
        request = urllib.request.Request(url, method='PUT', data=json.dumps({'location': location}).encode(),
                                         headers={'Authorization': 'Bearer ' + self.token(), 'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, context=self.context, timeout=60) as response:
            response.read()

    def azcollection_env(self, config_dir):
        """azure.azcollection pointed at the emulator with environment variables only. Its cloud lookup caches the
        metadata in the Azure CLI's config dir: a private one, so no other emulator's endpoints are reused."""
        url = self.env['AZURE_ARM_ENDPOINT']
        return {'AZURE_CONFIG_DIR': config_dir, 'ARM_CLOUD_METADATA_URL': url + '/metadata/endpoints?api-version=2022-09-01',
                'AZURE_CLOUD_ENVIRONMENT': url, 'AZURE_DISABLE_INSTANCE_DISCOVERY': 'true',
                'AZURE_SUBSCRIPTION_ID': self.env['AZURE_SUBSCRIPTION_ID'], 'AZURE_CLIENT_ID': self.env['AZURE_CLIENT_ID'],
                'AZURE_SECRET': self.env['AZURE_CLIENT_SECRET'], 'AZURE_TENANT': self.env['AZURE_TENANT_ID'],
                'REQUESTS_CA_BUNDLE': self.env['REQUESTS_CA_BUNDLE'], 'SSL_CERT_FILE': self.env['SSL_CERT_FILE']}

    def stop(self):
        subprocess.run([self.command, 'stop', '--state-dir', self.state], check=False, stdout=subprocess.DEVNULL)
        if self.own_state:
            shutil.rmtree(self.state, ignore_errors=True)


class Tool:
    """One side of a comparison: a playbook run with a virtual environment's ansible-playbook and its Python.

    Modules run through an interpreter wrapper that records each module process's peak RSS with GNU time
    (negligible cost, the same for every tool); `run` returns the wall time, whether anything changed, and the
    peak RSS (KiB) per module name.
    """

    def __init__(self, name, python, env, workdir, tasks):
        self.name, self.python, self.env, self.workdir = name, python, env, workdir
        self.playbook = os.path.join(workdir, 'bench-%s.yml' % name)
        with open(self.playbook, 'w', encoding='utf-8') as handle:
            handle.write(PLAY % tasks)
        self.rss_log = os.path.join(workdir, 'rss-%s.log' % name)
        self.interpreter = python
        if os.access(GNU_TIME, os.X_OK):
            self.interpreter = os.path.join(workdir, 'python-%s' % name)
            with open(self.interpreter, 'w', encoding='utf-8') as handle:
                handle.write('#!/bin/sh\nexec %s -a -o "%s" -f "%%M %%C" %s "$@"\n' % (GNU_TIME, self.rss_log, python))
            os.chmod(self.interpreter, 0o755)

    def run(self, extra=None, check=False, inventory='localhost,'):
        """Run the playbook. inventory=None: the implicit localhost (which runs modules with ansible-playbook's own
        Python) and no interpreter wrapper, for plays that also reach other hosts."""
        extra = dict(extra or {})
        if inventory is not None:
            extra['ansible_python_interpreter'] = self.interpreter
        command = [os.path.join(os.path.dirname(self.python), 'ansible-playbook'), self.playbook, '-e', json.dumps(extra)]
        if inventory is not None:
            command[1:1] = ['-i', inventory]
        if check:
            command.append('--check')
        if os.path.exists(self.rss_log):
            os.unlink(self.rss_log)
        started = time.monotonic()
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, cwd=self.workdir, check=False)
        elapsed = time.monotonic() - started
        if done.returncode != 0:
            raise RuntimeError('%s playbook failed:\n%s' % (self.name, (done.stdout + done.stderr)[-5000:]))
        changed = 'changed=0' not in done.stdout.rsplit('PLAY RECAP', 1)[-1]
        return elapsed, changed, self.module_rss()

    def module_rss(self):
        """{module name: peak RSS in KiB} of the last run's module processes (the largest when a module ran twice)."""
        peaks = {}
        if os.path.exists(self.rss_log):
            with open(self.rss_log, encoding='utf-8') as handle:
                for line in handle:
                    match = _MODULE.search(line)
                    size = line.split(' ', 1)[0]
                    if match and size.isdigit():
                        peaks[match.group(1)] = max(peaks.get(match.group(1), 0), int(size))
        return peaks


class Rows:
    """Samples per label (lists of numbers and the last extra fields), then medians."""

    def __init__(self):
        self.samples = {}

    def add(self, label, seconds, **fields):
        row = self.samples.setdefault(label, {'times': []})
        row['times'].append(seconds)
        for key, value in fields.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                row.setdefault(key + '_samples', []).append(value)
            row[key] = value

    def summary(self):
        out = {}
        for label, row in self.samples.items():
            entry = dict(row, median=median(row['times']))
            for key in [key for key in row if key.endswith('_samples')]:
                entry[key[:-len('_samples')]] = median(row[key])
            out[label] = entry
        return out
