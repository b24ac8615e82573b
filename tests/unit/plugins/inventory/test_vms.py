# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dockyard.azure.vms inventory plugin through Ansible's InventoryManager, over the fake ARM.

Ansible loads the plugin from the collection, reads the YAML file, builds groups and caches; the
plugin's reads go to FakeArm (real SDK pipeline, fake transport) instead of Azure.
"""

from __future__ import annotations

import os
import sys
import textwrap

import pytest
from ansible.module_utils import _internal as module_utils_internal

from ansible_collections.dockyard.azure.plugins.module_utils.azure.inventory import fetch
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import ENDPOINT, SUB, FakeArm

COLLECTIONS_PATH = os.path.abspath(os.path.join(os.path.dirname(__file__), *(['..'] * 7)))
CONNECTION = textwrap.dedent("""\
    plugin: dockyard.azure.vms
    subscription_id: %s
    tenant_id: tenant
    client_id: client
    client_secret: secret
    arm_endpoint: %s
    authority_host: %s
""" % (SUB, ENDPOINT, ENDPOINT))


CONTROLLER = {}


@pytest.fixture(scope='module', autouse=True)
def controller():
    """Ansible's controller (InventoryManager, plugin loader over the collection copy), for this module only.

    Importing the controller switches module_utils to controller mode (a module's warnings would go to
    the display instead of its result) and installs Ansible's collection finder: both are undone
    afterwards, for the module tests that run later in this process. The tests imported
    ansible_collections.dockyard.azure as a plain package before the finder was installed, so the
    collection's runtime metadata, which Ansible's own import would attach, is attached here."""
    was_controller = module_utils_internal.is_controller
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    from ansible.utils.collection_loader._collection_meta import _meta_yml_to_dict

    init_plugin_loader([COLLECTIONS_PATH])
    package = sys.modules['ansible_collections.dockyard.azure']
    if not hasattr(package, '_collection_meta'):
        with open(os.path.join(COLLECTIONS_PATH, 'ansible_collections', 'dockyard', 'azure', 'meta', 'runtime.yml')) as runtime:
            package._collection_meta = _meta_yml_to_dict(runtime.read(), ('dockyard.azure', 'runtime.yml'))
    CONTROLLER.update(InventoryManager=InventoryManager, DataLoader=DataLoader)
    yield
    _AnsibleCollectionFinder._remove()
    module_utils_internal.is_controller = was_controller


@pytest.fixture
def azure(monkeypatch):
    for name in [name for name in os.environ if name.startswith('AZURE_') or name == 'REQUESTS_CA_BUNDLE']:
        monkeypatch.delenv(name)
    arm = FakeArm(groups=('web-rg', 'db-rg'))
    web = arm.add_vm('web-rg', 'web1', vm_id='w1', public_ip='20.0.0.1')
    web['tags'] = {'role': 'web-frontend', 'env': 'prod'}
    web['properties']['osProfile'] = {'computerName': 'web-01', 'adminUsername': 'deploy'}
    db = arm.add_vm('db-rg', 'db1', vm_id='d1', public_ip=None)
    db['tags'] = {'role': 'db', 'env': 'prod'}
    db['location'] = 'northeurope'
    clash = arm.add_vm('db-rg', 'web1', vm_id='w2', public_ip=None)  # same name as the web VM, other group
    clash['tags'] = {'env': 'dev'}
    arm.power[clash['id'].lower()] = 'deallocated'
    made = []

    def context(config, *args, **kwargs):
        made.append(config)
        return arm.context()

    monkeypatch.setattr(fetch, 'lazy_context', context)
    arm.contexts = made
    arm.reset_calls()
    return arm


def inventory(tmp_path, text, name='azure_vms.yml', cache=True):
    path = tmp_path / name
    path.write_text(CONNECTION + textwrap.dedent(text))
    return CONTROLLER['InventoryManager'](loader=CONTROLLER['DataLoader'](), sources=[str(path)], cache=cache)


def failure(tmp_path, text, capsys, name='azure_vms.yml'):
    """The one line Ansible reports for our plugin when the source fails (and no host)."""
    manager = inventory(tmp_path, text, name)
    assert not manager.hosts
    lines = [line for line in capsys.readouterr().err.splitlines() if "Failed to parse inventory with 'auto' plugin" in line]
    assert lines, 'the source did not fail'
    return lines[0].split("'auto' plugin: ", 1)[1]


def groups(manager):
    return {name: sorted(host.name for host in group.get_hosts()) for name, group in manager.groups.items()}


def test_hosts_groups_and_variables(azure, tmp_path):
    manager = inventory(tmp_path, """
        keyed_groups:
          - key: azure_tags
            prefix: tag
          - key: azure_location
            prefix: loc
        groups:
          databases: "azure_tags.role == 'db'"
        compose:
          ansible_host: azure_private_ip
    """)
    found = groups(manager)
    # Two VMs named web1: the one whose ID sorts first (db-rg) keeps the name, the other gets a suffix.
    web = sorted(manager.hosts)[2]
    assert sorted(manager.hosts) == ['db1', 'web1', web] and web.startswith('web1_') and len(web) == 9
    assert found['tag_role_web_frontend'] == [web] and found['tag_env_prod'] == ['db1', web]  # Ansible's sanitization
    assert found['tag_env_dev'] == ['web1']
    assert found['loc_northeurope'] == ['db1'] and found['databases'] == ['db1']
    variables = manager.get_host(web).get_vars()
    assert variables['azure_public_ip'] == '20.0.0.1' and variables['ansible_host'] == '10.0.0.4'
    assert variables['ansible_user'] == 'deploy' and variables['azure_computer_name'] == 'web-01'
    assert variables['azure_resource_group'] == 'web-rg' and variables['azure_power_state'] == 'running'
    assert [call.operation for call in azure.calls] == ['virtual_machines.list_all', 'network_interfaces.list_all',
                                                        'public_ip_addresses.list_all']


def test_filters_and_named_groups(azure, tmp_path):
    manager = inventory(tmp_path, """
        include_resource_groups: [db-rg]
        exclude_power_states: [deallocated]
    """)
    assert sorted(manager.hosts) == ['db1']
    # db-rg's VMs have no public IP: the public IP listing is not needed.
    assert [call.operation for call in azure.calls] == ['virtual_machines.list', 'network_interfaces.list']
    manager = inventory(tmp_path, """
        include_tags: ["env:pr*"]
        exclude_locations: [North Europe]
    """)
    assert sorted(manager.hosts) == ['web1']


def test_hostnames_preference_and_expressions(azure, tmp_path):
    manager = inventory(tmp_path, """
        strict: true
        hostnames:
          - public_ip
          - "azure_tags.role ~ '-' ~ azure_name if 'role' in azure_tags else ''"
          - name
    """)
    assert sorted(manager.hosts) == ['20.0.0.1', 'db-db1', 'web1']


def test_hostname_missing_leaves_the_vm_out_with_a_warning(azure, tmp_path, capsys):
    manager = inventory(tmp_path, """
        hostnames: [public_ip]
    """)
    assert list(manager.hosts) == ['20.0.0.1']
    assert 'no entry of hostnames gives it a name' in capsys.readouterr().err


def test_leading_separator_and_azure_rm_sanitization(azure, tmp_path, monkeypatch):
    keyed = "leading_separator: false\nkeyed_groups:\n  - key: azure_tags.role | default('none')\n"
    assert {'web_frontend', 'db', 'none'} <= set(inventory(tmp_path, keyed).groups)
    from ansible import constants  # pylint: disable=import-outside-toplevel
    monkeypatch.setattr(constants, 'TRANSFORM_INVALID_GROUP_CHARS', 'never')
    legacy = inventory(tmp_path, keyed + "use_contrib_script_compatible_sanitization: true\n")
    assert {'web-frontend', 'db', 'none'} <= set(legacy.groups)


def test_empty_prefix_azure_rm_variable_names(azure, tmp_path):
    manager = inventory(tmp_path, """
        hostvar_prefix: ""
        include_resource_groups: [web-rg]
        keyed_groups:
          - key: location
            prefix: azure_loc
    """)
    assert manager.get_host('web1').get_vars()['tags'] == {'role': 'web-frontend', 'env': 'prod'}
    assert 'azure_loc_westeurope' in manager.groups


def test_cache_hit_makes_no_call_and_flush_refreshes(azure, tmp_path):
    cached = "cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\ncache_timeout: 600\n" % (tmp_path / 'cache')
    assert len(inventory(tmp_path, cached).hosts) == 3
    assert len(azure.calls) == 3
    azure.reset_calls()
    azure.add_vm('web-rg', 'web2', vm_id='w3')
    assert len(inventory(tmp_path, cached).hosts) == 3 and azure.calls == [] and len(azure.contexts) == 1
    assert len(inventory(tmp_path, cached, cache=False).hosts) == 4 and len(azure.calls) == 3  # --flush-cache
    azure.reset_calls()
    assert len(inventory(tmp_path, cached + "include_resource_groups: [web-rg]\n").hosts) == 2  # another scope: read
    assert len(azure.calls) == 3


@pytest.mark.parametrize('text, words', [
    ('include_vm_resource_groups: [x]\n', 'dockyard.azure.vms: unknown option include_vm_resource_groups (did you mean include_resource_groups?)'),
    ('include_tags: [":web"]\n', "include_tags: ':web' has no tag name"),
    ('exclude_power_states: [sleeping]\n', "exclude_power_states: unknown power state 'sleeping'"),
    ('hostnames: []\n', 'hostnames must be a non-empty list'),
    ('api_retries: -1\n', 'api_retries must be >= 0'),
    ('hostvar_prefix: 9x\n', 'hostvar_prefix must be empty or letters'),
])
def test_bad_config_is_one_line_naming_the_option(azure, tmp_path, capsys, text, words):
    message = failure(tmp_path, text, capsys)
    assert message.startswith('dockyard.azure.vms: ') and words in message
    assert azure.calls == [] and azure.contexts == []


def test_config_file_name_must_end_with_vms_yml(azure, tmp_path, capsys):
    assert 'could not be verified' in failure(tmp_path, '', capsys, name='inventory.yml')


def test_templated_subscription(azure, tmp_path):
    manager = inventory(tmp_path, """
        subscription_id: "{{ '%s' }}"
    """ % SUB)
    assert len(manager.hosts) == 3
    assert azure.contexts[0].subscription_id == SUB
