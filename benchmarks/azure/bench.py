# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure side by side: dockyard.azure vs azure.azcollection on one emulator, plus resource_group runs.

One private emulator (``--latency-ms``, default 40 ms per request, roughly a European client to Azure's
control plane; LROs 0.5 s; the ``none`` VM backend, metadata only). Per round, alternating which tool
goes first (median of ``--rounds``, default 5):
  * the floor: a ping-only playbook in each tool's virtual environment (ansible-playbook start-up);
  * VM from nothing (a fresh, empty resource group made by a REST call outside the timing): ours is one
    ``dockyard.azure.vm`` task; azure.azcollection needs its network tasks first (VNet, subnet, NSG with the
    SSH rule, public IP, NIC) and then ``azure_rm_virtualmachine``; the same VM (size, Debian 12 image, SSH
    key, one inbound rule for port 22 from one prefix, a static Standard public IP);
  * VM unchanged: the same playbook again.
Wall time, the ARM calls of each run (all / writes / reads, reads being GETs other than LRO status polls,
from the emulator's request log) and the peak RSS of the VM module's process. azure.azcollection is pointed
at the emulator with environment variables only. Then ours alone: resource_group create / unchanged /
unchanged under 30% injected 429/503.
"""

from __future__ import annotations

import argparse
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
    PING,
    Emulator,
    Rows,
    Tool,
    clean_environment,
    collections_path,
    load_average,
    write_results,
)

OURS_VM = """    - dockyard.azure.vm:
        name: "{{ vm }}"
        resource_group: "{{ rg }}"
        size: Standard_B1s
        image: debian12
        admin_username: azureuser
        ssh_public_keys: ["{{ key }}"]
        public_ip: true
        inbound_rules:
          - {name: ssh, ports: [22], source_prefixes: [203.0.113.0/24]}
"""
AZC_VM = """    - azure.azcollection.azure_rm_virtualnetwork:
        resource_group: "{{ rg }}"
        name: "{{ vm }}-vnet"
        address_prefixes_cidr: [10.0.0.0/16]
    - azure.azcollection.azure_rm_subnet:
        resource_group: "{{ rg }}"
        virtual_network_name: "{{ vm }}-vnet"
        name: default
        address_prefix_cidr: 10.0.0.0/24
    - azure.azcollection.azure_rm_securitygroup:
        resource_group: "{{ rg }}"
        name: "{{ vm }}-nsg"
        rules:
          - {name: ssh, protocol: Tcp, destination_port_range: 22, source_address_prefix: 203.0.113.0/24,
             access: Allow, priority: 1000, direction: Inbound}
    - azure.azcollection.azure_rm_publicipaddress:
        resource_group: "{{ rg }}"
        name: "{{ vm }}-pip"
        allocation_method: Static
        sku: Standard
    - azure.azcollection.azure_rm_networkinterface:
        resource_group: "{{ rg }}"
        name: "{{ vm }}-nic"
        virtual_network: "{{ vm }}-vnet"
        subnet_name: default
        security_group: "{{ vm }}-nsg"
        ip_configurations:
          - {name: ipconfig1, public_ip_address_name: "{{ vm }}-pip", primary: true}
    - azure.azcollection.azure_rm_virtualmachine:
        resource_group: "{{ rg }}"
        name: "{{ vm }}"
        vm_size: Standard_B1s
        admin_username: azureuser
        ssh_password_enabled: false
        ssh_public_keys:
          - {path: /home/azureuser/.ssh/authorized_keys, key_data: "{{ key }}"}
        network_interface_names: ["{{ vm }}-nic"]
        managed_disk_type: Standard_LRS
        image: {publisher: Debian, offer: debian-12, sku: 12-gen2, version: latest}
"""
RESOURCE_GROUP = """    - dockyard.azure.resource_group:
        name: "{{ rg }}"
        location: westeurope
        tags: {bench: "yes"}
"""
VM_MODULES = {'ours': 'vm', 'azc': 'azure_rm_virtualmachine'}


def ssh_key(workdir):
    path = os.path.join(workdir, 'id')
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', path], check=True)
    with open(path + '.pub', encoding='utf-8') as handle:
        return handle.read().strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--latency-ms', type=int, default=40)
    parser.add_argument('--bench-python', default=BENCH_PYTHON)
    parser.add_argument('--skip-resource-group', action='store_true')
    args = parser.parse_args()
    load_before = load_average()
    workdir = tempfile.mkdtemp(prefix='bench-azure-')
    emulator = Emulator(latency_ms=args.latency_ms)
    key = ssh_key(workdir)
    base = clean_environment()
    ours_env = dict(base, ANSIBLE_COLLECTIONS_PATH=collections_path(), **emulator.env)
    tools = {'ours': (Tool('ours-vm', OUR_PYTHON, ours_env, workdir, OURS_VM),
                      Tool('ours-ping', OUR_PYTHON, ours_env, workdir, PING))}
    if os.path.exists(args.bench_python):
        azc_env = dict(base, **emulator.azcollection_env(os.path.join(workdir, 'azure-config')))
        tools['azc'] = (Tool('azc-vm', args.bench_python, azc_env, workdir, AZC_VM),
                        Tool('azc-ping', args.bench_python, azc_env, workdir, PING))
    else:
        print('benchmark venv missing (%s): run benchmarks/venv.sh; measuring ours only' % args.bench_python)
    rows = Rows()
    try:
        for round_ in range(args.rounds):
            order = list(tools) if round_ % 2 == 0 else list(reversed(list(tools)))
            for name in order:
                play, ping = tools[name]
                rows.add('%s: ping (floor)' % name, ping.run()[0])
                extra = {'rg': 'bench-%s-%s' % (name, uuid.uuid4().hex[:8]), 'vm': 'vm' + uuid.uuid4().hex[:6], 'key': key}
                emulator.put_group(extra['rg'])
                for label in ('VM from nothing', 'VM unchanged'):
                    since = emulator.last()
                    seconds, changed, rss = play.run(extra)
                    rows.add('%s: %s' % (name, label), seconds, changed=changed, rss_kib=rss.get(VM_MODULES[name]),
                             **emulator.calls(since))
            print('round %d of %d done (load %s)' % (round_ + 1, args.rounds, ' '.join(map(str, load_average()))))
            sys.stdout.flush()
        if not args.skip_resource_group:
            resource_group(emulator, ours_env, workdir, args.rounds, rows)
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    results = rows.summary()
    print('Azure benchmark: emulator latency %d ms per request, median of %d rounds (alternating); load %s -> %s'
          % (args.latency_ms, args.rounds, ' '.join(map(str, load_before)), ' '.join(map(str, load_average()))))
    print('%-44s %8s %8s %8s %13s %9s' % ('case', 'median s', 'above fl', 'changed', 'ARM all/w/r', 'RSS MiB'))
    for label, row in results.items():
        tool = label.split(':')[0]
        floor = results.get('%s: ping (floor)' % tool, {}).get('median')
        above = '' if 'floor' in label or floor is None else '%.2f' % (row['median'] - floor)
        calls = '' if 'arm' not in row else '%d/%d/%d' % (row['arm'], row['writes'], row['reads'])
        rss = '' if not row.get('rss_kib') else '%.0f' % (row['rss_kib'] / 1024)
        print('%-44s %8.2f %8s %8s %13s %9s' % (label, row['median'], above, row.get('changed', ''), calls, rss))
    for label in ('VM from nothing', 'VM unchanged'):
        ours, azc = results.get('ours: ' + label), results.get('azc: ' + label)
        if ours and azc:
            print('%-30s ours / azc wall time %.2f, above the floor %.2f' % (
                label, ours['median'] / azc['median'],
                (ours['median'] - results['ours: ping (floor)']['median'])
                / max(azc['median'] - results['azc: ping (floor)']['median'], 1e-9)))
    write_results('azure', {'rows': results, 'rounds': args.rounds, 'latency_ms': args.latency_ms,
                            'load_before': load_before, 'load_after': load_average()})


def resource_group(emulator, env, workdir, rounds, rows):
    """dockyard.azure.resource_group: create, unchanged, unchanged with 30% injected 429/503."""
    tool = Tool('ours-rg', OUR_PYTHON, env, workdir, RESOURCE_GROUP)
    for label, names in (('resource_group: create', None), ('resource_group: unchanged', 'bench-steady')):
        if names:
            tool.run({'rg': names})  # create it once
        for _round in range(rounds):
            since = emulator.last()
            seconds = tool.run({'rg': names or 'bench-%s' % uuid.uuid4().hex[:8]})[0]
            rows.add('ours: ' + label, seconds, **emulator.calls(since))
    emulator.control('PUT', 'faults', {'throttle_rate': 0.15, 'error_rate': 0.15, 'retry_after': 1, 'seed': 11})
    try:
        for _round in range(rounds):
            since = emulator.last()
            seconds = tool.run({'rg': 'bench-steady'})[0]
            rows.add('ours: resource_group: unchanged, 30% 429/503', seconds, **emulator.calls(since))
    finally:
        emulator.control('DELETE', 'faults')


if __name__ == '__main__':
    main()
