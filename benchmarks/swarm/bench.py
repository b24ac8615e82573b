#!/usr/bin/env python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Swarm stack benchmark: a 10-service stack, first deploy and unchanged redeploy, on one swarm manager.

The manager is a container VM of a throwaway emulator (Docker over TLS, a one-node swarm, a busybox
image built in its engine). Side by side, each measured --rounds times, the contenders alternating:
  1. Python: our stack code (loader + convert + plan + engine, not waiting for convergence) vs the
     Docker CLI's `docker stack deploy` (which does not wait either) against the same manager;
  2. playbook tasks: dockyard.azure.stack vs community.docker.docker_stack, and a ping-only playbook
     as the floor (ansible-playbook's start-up cost).

Prints medians and ratios. Goals: first deploy no slower than the CLI; unchanged redeploy at most
half of docker_stack's time above the floor. Run by ``make bench`` (through run.sh, which prepares
benchmarks/.venv); not part of the tests.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
IMAGE = 'dockyard-bench/busybox:1'
SERVICES = 10

SETUP = '''- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - ansible.builtin.command: ssh-keygen -q -t ed25519 -N '' -f {root}/id_ed25519
      args: {{creates: "{root}/id_ed25519"}}
    - dockyard.azure.resource_group: {{name: rg-swarm-bench, location: westeurope}}
    - dockyard.azure.vm:
        name: swarm-bench
        resource_group: rg-swarm-bench
        size: Standard_B2s
        image: debian12
        admin_username: azureuser
        ssh_public_keys: ["{{{{ lookup('file', '{root}/id_ed25519.pub') }}}}"]
        public_ip: true
        inbound_rules: [{{ports: ["22", "2376"], source_prefixes: ["10.199.0.0/16"]}}]
      register: vm
    - dockyard.azure.docker_tls:
        path: "{root}/tls"
        ip_addresses: ["{{{{ vm.vm.public_ip }}}}"]
      register: tls
    - dockyard.azure.docker_extension:
        vm_name: swarm-bench
        resource_group: rg-swarm-bench
        tls_ca_cert: "{{{{ tls.ca.path }}}}"
        tls_server_cert: "{{{{ tls.server.path }}}}"
        tls_server_key: "{{{{ tls.server.key_path }}}}"
        daemon_options: {{log-driver: local}}
      register: docker
    - dockyard.azure.swarm:
        advertise_addr: "{{{{ vm.vm.public_ip }}}}"
        docker_host: "{{{{ docker.endpoint }}}}"
        validate_certs: true
        ca_path: "{root}/tls/ca.pem"
        client_cert: "{root}/tls/cert.pem"
        client_key: "{root}/tls/key.pem"
    - ansible.builtin.copy:
        content: "{{{{ docker.endpoint }}}}"
        dest: "{root}/endpoint"
        mode: "0600"
'''

PLAYBOOK = '''- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
%s
'''


def write_project(root, name):
    """Ten services: sleepers on one overlay network, two with a config, one with a secret, one with a volume."""
    project = os.path.join(root, name)
    os.makedirs(project, exist_ok=True)
    with open(os.path.join(project, 'settings.conf'), 'w') as handle:
        handle.write('setting = 1\n')
    with open(os.path.join(project, 'token.txt'), 'w') as handle:
        handle.write('bench-token\n')
    lines = ['services:']
    for i in range(SERVICES):
        lines += ['  s%02d:' % i,
                  '    image: %s' % IMAGE,
                  '    command: ["sh", "-c", "trap \'exit 0\' TERM; sleep 3600 & wait"]',
                  '    environment: {INDEX: "%d"}' % i,
                  '    networks: [back]',
                  '    stop_grace_period: 1s',
                  '    deploy: {replicas: 1, endpoint_mode: dnsrr, labels: {bench: "yes"}}']
        if i in (2, 5):
            lines += ['    configs: [{source: settings, target: /etc/settings.conf}]']
        if i == 7:
            lines += ['    secrets: [token]', '    volumes: ["data:/data"]']
    lines += ['networks:', '  back: {driver: overlay}', 'volumes:', '  data: {}',
              'configs:', '  settings: {file: ./settings.conf}', 'secrets:', '  token: {file: ./token.txt}']
    with open(os.path.join(project, 'compose.yaml'), 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    return project


def timed(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def median(values):
    return statistics.median(values) if values else float('nan')


class Bench:
    def __init__(self, args):
        self.args = args
        self.root = tempfile.mkdtemp(prefix='swarm-bench-')
        self.state = os.path.join(self.root, 'emulator')
        self.emulator = os.path.join(BIN, 'dockyard-emulator')
        self.env = {}
        self.docker_env = {}
        self.collections = os.environ.get('BENCH_COLLECTIONS') or os.path.join(REPO, '.ansible', 'collections')

    # -- the manager ------------------------------------------------------------------------------
    def start(self):
        subprocess.run([self.emulator, 'start', '--state-dir', self.state, '--vm-backend', 'container', '--retry-after', '1',
                        '--lro-seconds', '0.3'], check=True, capture_output=True)
        self.env = json.loads(subprocess.run([self.emulator, 'env', '--state-dir', self.state, '--format', 'json'],
                                             check=True, capture_output=True, text=True).stdout)
        setup = os.path.join(self.root, 'setup.yml')
        with open(setup, 'w') as handle:
            handle.write(SETUP.format(root=self.root))
        env = dict(os.environ, **self.env)
        env.update(ANSIBLE_COLLECTIONS_PATH=self.collections, ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_NOCOLOR='1',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
        done = subprocess.run([os.path.join(BIN, 'ansible-playbook'), setup], env=env, capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError('setting up the manager failed:\n' + done.stdout[-4000:])
        with open(os.path.join(self.root, 'endpoint')) as handle:
            endpoint = handle.read().strip()
        self.docker_env = {'DOCKER_HOST': endpoint, 'DOCKER_TLS_VERIFY': '1', 'DOCKER_CERT_PATH': os.path.join(self.root, 'tls')}
        self.build_image()

    def client(self):
        sys.path.insert(0, self.collections)
        from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import get_api_client
        return get_api_client({}, environ=self.docker_env)

    def build_image(self):
        context = io.BytesIO()
        with tarfile.open(fileobj=context, mode='w') as tar:
            dockerfile = b'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
            info = tarfile.TarInfo('Dockerfile')
            info.size = len(dockerfile)
            tar.addfile(info, io.BytesIO(dockerfile))
            tar.add('/bin/busybox', arcname='busybox')
        context.seek(0)
        for _line in self.client().build(fileobj=context, custom_context=True, tag=IMAGE, rm=True, decode=True):
            pass

    def stop(self):
        subprocess.run([self.emulator, 'stop', '--state-dir', self.state], check=False, capture_output=True)
        try:
            from dockyard_emulator.backends.container import ContainerMachines
            ContainerMachines(self.state).cleanup()
        except Exception as exc:  # pylint: disable=broad-except
            print('cleanup of the emulator VM failed: %s' % exc)
        shutil.rmtree(self.root, ignore_errors=True)

    # -- contenders -------------------------------------------------------------------------------
    def docker(self, *args):
        return subprocess.run(['docker', *args], env=dict(os.environ, **self.docker_env), capture_output=True, text=True,
                              check=True)

    def remove(self, name):
        """`docker stack rm`, then wait until its services and networks are gone (not timed)."""
        subprocess.run(['docker', 'stack', 'rm', name], env=dict(os.environ, **self.docker_env), capture_output=True,
                       check=False)
        client = self.client()
        for _unused in range(120):
            services = client.services(filters={'label': 'com.docker.stack.namespace=%s' % name})
            networks = [n for n in client.networks() if (n.get('Labels') or {}).get('com.docker.stack.namespace') == name]
            if not services and not networks:
                return
            time.sleep(0.5)

    def python_ours(self, project, name, parallel=None):
        sys.path.insert(0, self.collections)
        from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_engine import StackEngine
        from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_manager import StackManager

        def engine(client):
            return StackEngine(client) if parallel is None else StackEngine(client, parallel=parallel)

        def run():
            client = self.client()
            StackManager(lambda: client, {'name': name, 'state': 'present', 'project_src': project, 'wait': False},
                         engine_factory=engine).run()
        return run

    def python_cli(self, project, name):
        return lambda: self.docker('stack', 'deploy', '--resolve-image', 'never', '-c', os.path.join(project, 'compose.yaml'),
                                   name)

    def playbook(self, kind, project, name):
        if kind == 'ping':
            task = '    - ansible.builtin.ping:'
        elif kind == 'ours':
            task = '    - dockyard.azure.stack:\n        name: %s\n        project_src: %s\n        wait: false' % (name, project)
        else:
            task = ('    - community.docker.docker_stack:\n        name: %s\n        compose: [%s]\n        resolve_image: never'
                    % (name, os.path.join(project, 'compose.yaml')))
        path = os.path.join(self.root, 'bench-%s.yml' % kind)
        with open(path, 'w') as handle:
            handle.write(PLAYBOOK % task)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=self.collections, ANSIBLE_LOCALHOST_WARNING='0',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_NOCOLOR='1', **self.docker_env)
        env.pop('ANSIBLE_CONFIG', None)
        bench_python = self.args.bench_python
        command = [os.path.join(os.path.dirname(bench_python), 'ansible-playbook'), '-i', 'localhost,', path,
                   '-e', 'ansible_python_interpreter=%s' % bench_python]

        def run():
            done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=self.root, check=False)
            if done.returncode != 0:
                raise RuntimeError('%s playbook failed:\n%s' % (kind, done.stdout[-3000:] + done.stderr[-2000:]))
        return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--bench-python', default=os.path.join(REPO, 'benchmarks', '.venv', 'bin', 'python'))
    parser.add_argument('--skip-playbooks', action='store_true')
    args = parser.parse_args()
    bench = Bench(args)
    results = {}
    try:
        print('Swarm benchmark: %d services, %d rounds, medians; setting up a one-node swarm in the emulator ...' % (
            SERVICES, args.rounds))
        sys.stdout.flush()
        bench.start()

        def measure(contenders):
            """contenders: label -> factory(project, name) of the deploy; first and unchanged deploy per round, alternating."""
            times = {label: {'firsts': [], 'agains': []} for label in contenders}
            projects = {label: write_project(bench.root, 'p%d' % i) for i, label in enumerate(contenders)}
            labels = list(contenders)
            for round_index in range(args.rounds):
                order = labels if round_index % 2 == 0 else list(reversed(labels))
                for label in order:
                    name = 'b%d' % labels.index(label)
                    bench.remove(name)
                    deploy = contenders[label](projects[label], name)
                    times[label]['firsts'].append(timed(deploy))
                    times[label]['agains'].append(timed(deploy))
            for i, label in enumerate(labels):
                bench.remove('b%d' % i)
                results[label] = dict(times[label], first=median(times[label]['firsts']), again=median(times[label]['agains']))
                print('%-32s first %6.2fs   unchanged %6.2fs' % (label, results[label]['first'], results[label]['again']))
            sys.stdout.flush()

        measure({'python: dockyard stack': bench.python_ours, 'python: docker stack deploy': bench.python_cli,
                 # the engine's concurrent service writes against one at a time
                 'python: dockyard stack, 1 at a time': lambda p, n: bench.python_ours(p, n, parallel=1)})
        if not args.skip_playbooks:
            if not os.path.exists(args.bench_python):
                print('benchmark venv missing (%s): run benchmarks/swarm/run.sh' % args.bench_python)
            else:
                floor = [timed(bench.playbook('ping', bench.root, 'x')) for _unused in range(args.rounds)]
                results['playbook: ping (floor)'] = {'first': median(floor), 'again': median(floor), 'all': floor}
                print('%-32s        %6.2fs' % ('playbook: ping (floor)', median(floor)))
                measure({'playbook: dockyard.azure.stack': lambda p, n: bench.playbook('ours', p, n),
                         'playbook: docker_stack': lambda p, n: bench.playbook('docker_stack', p, n)})

        print()
        ours, cli = results['python: dockyard stack'], results['python: docker stack deploy']
        print('first deploy, ours / docker stack deploy:         %.2f  (goal <= 1.0)' % (ours['first'] / cli['first']))
        print('unchanged redeploy, ours / docker stack deploy:   %.2f' % (ours['again'] / cli['again']))
        if 'playbook: dockyard.azure.stack' in results:
            floor = results['playbook: ping (floor)']['first']
            ours, anchor = results['playbook: dockyard.azure.stack'], results['playbook: docker_stack']
            print('playbook first deploy, ours / docker_stack:       %.2f' % (ours['first'] / anchor['first']))
            above_ours, above_anchor = ours['again'] - floor, anchor['again'] - floor
            print('unchanged redeploy above the floor: ours %.2fs, docker_stack %.2fs, ratio %.2f  (goal <= 0.5)'
                  % (above_ours, above_anchor, above_ours / above_anchor if above_anchor > 0 else float('nan')))
        out = os.path.join(REPO, 'benchmarks', 'results')
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, 'swarm.json'), 'w') as handle:
            json.dump(results, handle, indent=2)
    finally:
        bench.stop()


if __name__ == '__main__':
    main()
