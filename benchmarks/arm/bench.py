# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARM template deployment: dockyard.azure.arm_deployment vs azure.azcollection's azure_rm_deployment.

One private emulator (``--latency-ms``, default 40 ms per request), one 6-resource VM template (the
quickstart vm-simple-linux with its subnet declared inside the VNet: NSG, public IP, VNet, NIC, VM and
the guest attestation extension), and per tool, rounds alternating between the tools (median of
``--rounds``, default 5):
  * deploy: a fresh resource group, the group task and the deployment (ours: what-if, then the PUT);
  * unchanged: the same playbook again;
  * check: ``--check`` with one tag changed in the template (ours: what-if's plan; azure_rm_deployment
    has no what-if);
plus the floor, a ping-only playbook in each tool's virtual environment, and one re-run of the quickstart
as published (its subnet a separate resource): re-sending the VNet without its subnet is refused by ARM
(InUseSubnetCannotBeDeleted) once a NIC uses the subnet, so a tool that always re-sends fails there. Wall time and the ARM calls
of each run (all / writes / PUTs) come from the emulator's request log. azure.azcollection is pointed
at the emulator with environment variables only (its cloud metadata URL and credentials).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TEMPLATE = os.path.join(REPO, 'emulator', 'tests', 'templates', 'corpus', 'vm-simple-linux', 'azuredeploy.json')

PLAY = """- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
%s
"""
TASKS = {
    'ping': """    - ansible.builtin.ping:""",
    'ours': """    - dockyard.azure.resource_group:
        name: "{{ rg }}"
        location: westeurope
    - dockyard.azure.arm_deployment:
        resource_group: "{{ rg }}"
        name: bench
        template: "{{ template }}"
        parameters: "{{ parameters }}"
        secure_parameters: "{{ secure_parameters }}"
""",
    'azc': """    - azure.azcollection.azure_rm_resourcegroup:
        name: "{{ rg }}"
        location: westeurope
    - azure.azcollection.azure_rm_deployment:
        resource_group: "{{ rg }}"
        location: westeurope
        name: bench
        template: "{{ template }}"
        parameters: "{{ wrapped_parameters }}"
        wait_for_deployment_polling_period: 1
""",
}


class Emulator:
    def __init__(self, python, latency_ms):
        self.state = tempfile.mkdtemp(prefix='bench-arm-emulator-')
        self.command = os.path.join(os.path.dirname(python), 'dockyard-emulator')
        subprocess.run([self.command, 'start', '--state-dir', self.state, '--lro-seconds', '0.5', '--retry-after', '1',
                        '--latency-ms', str(latency_ms)], check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run([self.command, 'env', '--state-dir', self.state, '--format', 'json'],
                             check=True, capture_output=True, text=True).stdout
        self.env = json.loads(out)
        self.context = ssl.create_default_context(cafile=self.env['REQUESTS_CA_BUNDLE'])

    def control(self, path):
        request = urllib.request.Request(self.env['AZURE_ARM_ENDPOINT'] + '/_emulator/' + path)
        with urllib.request.urlopen(request, context=self.context, timeout=30) as response:
            return json.loads(response.read())

    def last(self):
        return self.control('requests?since=0')['last'] or 0

    def calls(self, since):
        arm = [e for e in self.control('requests?since=%d' % since)['value'] if e['kind'] == 'arm']
        return len(arm), sum(1 for e in arm if e['write']), sum(1 for e in arm if e['method'] == 'PUT')

    def azcollection_env(self, config_dir):
        """azure.azcollection pointed at the emulator with environment variables only. Its cloud lookup caches
        the metadata in the Azure CLI's config dir: a private one, so no other emulator's endpoints are reused."""
        url = self.env['AZURE_ARM_ENDPOINT']
        return {'AZURE_CONFIG_DIR': config_dir, 'ARM_CLOUD_METADATA_URL': url + '/metadata/endpoints?api-version=2022-09-01',
                'AZURE_CLOUD_ENVIRONMENT': url, 'AZURE_DISABLE_INSTANCE_DISCOVERY': 'true',
                'AZURE_SUBSCRIPTION_ID': self.env['AZURE_SUBSCRIPTION_ID'], 'AZURE_CLIENT_ID': self.env['AZURE_CLIENT_ID'],
                'AZURE_SECRET': self.env['AZURE_CLIENT_SECRET'], 'AZURE_TENANT': self.env['AZURE_TENANT_ID'],
                'REQUESTS_CA_BUNDLE': self.env['REQUESTS_CA_BUNDLE'], 'SSL_CERT_FILE': self.env['SSL_CERT_FILE']}

    def stop(self):
        subprocess.run([self.command, 'stop', '--state-dir', self.state], check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(self.state, ignore_errors=True)


class Tool:
    """One side of the comparison: its playbook, its virtual environment, its environment variables."""

    def __init__(self, kind, python, env, workdir):
        self.kind, self.python = kind, python
        self.playbook = os.path.join(workdir, 'bench-%s.yml' % kind)
        with open(self.playbook, 'w', encoding='utf-8') as handle:
            handle.write(PLAY % TASKS[kind])
        self.env = env

    def run(self, extra, check=False):
        command = [os.path.join(os.path.dirname(self.python), 'ansible-playbook'), '-i', 'localhost,', self.playbook,
                   '-e', json.dumps({**extra, 'ansible_python_interpreter': self.python})]
        if check:
            command.append('--check')
        started = time.monotonic()
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, cwd=REPO, check=False)
        elapsed = time.monotonic() - started
        if done.returncode != 0:
            raise RuntimeError('%s playbook failed:\n%s' % (self.kind, (done.stdout + done.stderr)[-4000:]))
        changed = 'changed=0' not in done.stdout.rsplit('PLAY RECAP', 1)[-1]
        return elapsed, changed


def six_resources(template):
    """vm-simple-linux with its subnet inside the VNet (so re-sending the VNet keeps the subnet)."""
    template = copy.deepcopy(template)
    subnet = next(r for r in template['resources'] if r['type'] == 'Microsoft.Network/virtualNetworks/subnets')
    template['resources'].remove(subnet)
    vnet = next(r for r in template['resources'] if r['type'] == 'Microsoft.Network/virtualNetworks')
    vnet['properties']['subnets'] = [{'name': "[parameters('subnetName')]", 'properties': subnet['properties']}]
    nic = next(r for r in template['resources'] if r['type'] == 'Microsoft.Network/networkInterfaces')
    nic['dependsOn'] = [d for d in nic['dependsOn'] if 'subnets' not in d] + [
        "[resourceId('Microsoft.Network/virtualNetworks', parameters('virtualNetworkName'))]"]
    return template


def ssh_key(workdir):
    path = os.path.join(workdir, 'id')
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', path], check=True)
    with open(path + '.pub', encoding='utf-8') as handle:
        return handle.read().strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--latency-ms', type=int, default=40)
    parser.add_argument('--bench-python', default=os.path.join(REPO, 'benchmarks', '.venv', 'bin', 'python'))
    args = parser.parse_args()
    ours_python = sys.executable
    workdir = tempfile.mkdtemp(prefix='bench-arm-')
    emulator = Emulator(ours_python, args.latency_ms)
    with open(TEMPLATE, encoding='utf-8') as handle:
        published = json.load(handle)
    template = six_resources(published)
    changed_template = copy.deepcopy(template)
    vnet = next(r for r in changed_template['resources'] if r['type'] == 'Microsoft.Network/virtualNetworks')
    vnet['tags'] = {'bench': 'changed'}
    key = ssh_key(workdir)
    parameters = {'adminUsername': 'azureuser', 'authenticationType': 'sshPublicKey',
                  'ubuntuOSVersion': 'Ubuntu-2204', 'vmSize': 'Standard_B2s'}
    base = dict(os.environ, ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_NOCOLOR='1',
                ANSIBLE_HOST_KEY_CHECKING='0')
    base.pop('ANSIBLE_CONFIG', None)
    for name in list(base):
        if name.startswith('AZURE_') or name in ('REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE'):
            del base[name]
    collections = os.environ.get('BENCH_COLLECTIONS') or os.path.join(REPO, '.ansible', 'collections')
    ours_env = dict(base, ANSIBLE_COLLECTIONS_PATH=collections, **emulator.env)
    azc_env = dict(base, **emulator.azcollection_env(os.path.join(workdir, 'azure-config')))
    tools = {'ours': Tool('ours', ours_python, ours_env, workdir)}
    floors = {'ours': Tool('ping', ours_python, ours_env, workdir)}
    if os.path.exists(args.bench_python):
        tools['azc'] = Tool('azc', args.bench_python, azc_env, workdir)
        floors['azc'] = Tool('ping', args.bench_python, azc_env, workdir)
    else:
        print('benchmark venv missing (%s): run benchmarks/venv.sh; measuring ours only' % args.bench_python)
    rows = {}
    published_rows = {}

    def record(label, seconds, calls, changed):
        rows.setdefault(label, {'times': [], 'calls': calls, 'changed': changed})['times'].append(seconds)
        rows[label]['calls'], rows[label]['changed'] = calls, changed

    try:
        for round_ in range(args.rounds):
            order = list(tools) if round_ % 2 == 0 else list(reversed(list(tools)))
            for kind in order:
                tool = tools[kind]
                seconds = floors[kind].run({})[0]
                record('%s: ping (floor)' % kind, seconds, (0, 0, 0), False)
                extra = {'rg': 'bench-%s-%s' % (kind, uuid.uuid4().hex[:8]), 'template': template,
                         'parameters': dict(parameters, dnsLabelPrefix='b' + uuid.uuid4().hex[:10]),
                         'secure_parameters': {'adminPasswordOrKey': key}}
                extra['wrapped_parameters'] = {name: {'value': value} for name, value in
                                               {**extra['parameters'], **extra['secure_parameters']}.items()}
                for label, run_extra, check in (('deploy', extra, False), ('unchanged', extra, False),
                                                ('check, one tag changed', dict(extra, template=changed_template), True)):
                    since = emulator.last()
                    try:
                        seconds, changed = tool.run(run_extra, check=check)
                    except RuntimeError as exc:
                        raise RuntimeError('%s (%s)' % (exc, label)) from None
                    record('%s: %s' % (kind, label), seconds, emulator.calls(since), changed)
        for kind, tool in tools.items():            # the quickstart as published: deploy, then re-run once
            extra = {'rg': 'bench-%s-%s' % (kind, uuid.uuid4().hex[:8]), 'template': published,
                     'parameters': dict(parameters, dnsLabelPrefix='p' + uuid.uuid4().hex[:10]),
                     'secure_parameters': {'adminPasswordOrKey': key}}
            extra['wrapped_parameters'] = {name: {'value': value} for name, value in
                                           {**extra['parameters'], **extra['secure_parameters']}.items()}
            tool.run(extra)
            since = emulator.last()
            try:
                seconds, changed = tool.run(extra)
                outcome = 'changed' if changed else 'ok'
            except RuntimeError as exc:
                reason = 'InUseSubnetCannotBeDeleted' if 'InUseSubnetCannotBeDeleted' in str(exc) else 'see log'
                seconds, outcome = float('nan'), 'failed: ' + reason
            published_rows[kind] = (seconds, emulator.calls(since), outcome)
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print('ARM deployment benchmark: 6-resource VM template, emulator latency %d ms, median of %d rounds (alternating)'
          % (args.latency_ms, args.rounds))
    print('%-40s %9s %12s %8s %22s' % ('case', 'median s', 'above floor', 'changed', 'ARM calls/writes/PUTs'))
    results = {}
    for label, row in rows.items():
        kind = label.split(':')[0]
        median = statistics.median(row['times'])
        floor = statistics.median(rows['%s: ping (floor)' % kind]['times'])
        above = '' if 'floor' in label else '%.2f' % (median - floor)
        changed = '' if 'floor' in label else row['changed']
        print('%-40s %9.2f %12s %8s %22s' % (label, median, above, changed, '%d/%d/%d' % row['calls']))
        results[label] = {'median': median, 'times': row['times'], 'calls': row['calls'], 'changed': row['changed']}
    for kind, (seconds, calls, outcome) in published_rows.items():
        label = '%s: re-run of vm-simple-linux as published' % kind
        print('%-40s %9.2f %12s %8s %22s   %s' % (label, seconds, '', '', '%d/%d/%d' % calls, outcome))
        results[label] = {'seconds': seconds, 'calls': calls, 'outcome': outcome}
    out = os.path.join(REPO, 'benchmarks', 'results')
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'arm.json'), 'w', encoding='utf-8') as handle:
        json.dump(results, handle, indent=2)


if __name__ == '__main__':
    main()
