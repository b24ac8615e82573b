# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image aliases, URNs, image IDs, 'latest' resolution and matching against a VM's image reference."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.images import (
    IMAGE_ALIASES,
    image_matches,
    image_reference,
    parse_image,
    pick_latest,
    resolve_image,
)
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import FakeArm

GALLERY = ('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/docker/versions/1.0.0')


@pytest.mark.parametrize('alias', ['debian12', 'Debian12', 'DEBIAN11', 'ubuntu2204', 'ubuntu2404'])
def test_required_aliases_exist(alias):
    spec = parse_image(alias)
    assert spec['version'] == 'latest'
    assert spec['alias'] == alias.lower()


def test_alias_values():
    assert IMAGE_ALIASES['debian12'] == ('Debian', 'debian-12', '12-gen2', 'latest')
    assert IMAGE_ALIASES['ubuntu2404'] == ('Canonical', 'ubuntu-24_04-lts', 'server', 'latest')


def test_urn_and_latest_case():
    assert parse_image('Canonical:ubuntu-24_04-lts:server:LATEST')['version'] == 'latest'
    assert parse_image('Debian:debian-12:12-gen2:0.20240101.1')['version'] == '0.20240101.1'


def test_image_ids():
    assert parse_image(GALLERY) == {'id': GALLERY}
    assert parse_image('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/base')['id'].endswith('/base')
    with pytest.raises(AzureModuleError, match='is not an image resource ID'):
        parse_image('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/x')


@pytest.mark.parametrize('value', ['', 'debian99', 'a:b:c', 'a:b:c:d:e', 'a b:c:d:e'])
def test_bad_images(value):
    with pytest.raises(AzureModuleError) as error:
        parse_image(value)
    assert error.value.msg.startswith('image:')


def test_pick_latest_is_numeric():
    assert pick_latest(['0.20240909.1860', '0.20241111.1924', '0.20240101.1']) == '0.20241111.1924'
    assert pick_latest(['22.04.202409', '22.04.202410', '22.04.99']) == '22.04.202410'
    assert pick_latest(['1.9.0', '1.10.0']) == '1.10.0'
    assert pick_latest([]) is None


def test_image_reference_bodies():
    assert image_reference({'id': GALLERY}) == {'id': GALLERY}
    assert image_reference(parse_image('debian12')) == {'publisher': 'Debian', 'offer': 'debian-12', 'sku': '12-gen2', 'version': 'latest'}


def test_image_matches():
    actual = {'publisher': 'debian', 'offer': 'Debian-12', 'sku': '12-gen2', 'version': '0.2024.1', 'exactVersion': '0.2024.1'}
    assert image_matches(parse_image('debian12'), actual)
    assert image_matches(parse_image('Debian:debian-12:12-gen2:0.2024.1'), actual)
    assert not image_matches(parse_image('Debian:debian-12:12-gen2:0.2025.1'), actual)
    assert not image_matches(parse_image('ubuntu2404'), actual)
    assert image_matches({'id': GALLERY}, {'id': GALLERY.upper()})
    assert not image_matches({'id': GALLERY}, actual)


def test_resolve_latest_and_fixed():
    azure = FakeArm()
    resolved = resolve_image(azure.compute, 'westeurope', parse_image('debian12'))
    assert resolved['version'] == '0.20241111.1924'
    fixed = resolve_image(azure.compute, 'westeurope', parse_image('Debian:debian-12:12-gen2:0.20240101.1'))
    assert fixed['version'] == '0.20240101.1'
    assert [c[0] for c in azure.calls] == ['virtual_machine_images.list', 'virtual_machine_images.get']
    assert resolve_image(azure.compute, 'westeurope', {'id': GALLERY}) == {'id': GALLERY}
    assert len(azure.calls) == 2, 'image IDs are not looked up'


def test_resolve_unknown():
    azure = FakeArm()
    with pytest.raises(AzureModuleError) as error:
        resolve_image(azure.compute, 'westeurope', parse_image('ubuntu2204'))
    assert "image: 'ubuntu2204' was not found in location 'westeurope'" in error.value.msg
    azure.images[('westeurope', 'canonical', '0001-com-ubuntu-server-jammy', '22_04-lts-gen2')] = []
    with pytest.raises(AzureModuleError, match='was not found'):
        resolve_image(azure.compute, 'westeurope', parse_image('ubuntu2204'))
