# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copying images between two engines (fake engines behind the real SDK's HTTP transport)."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.docker import images
from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerContext
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.docker.fake_engine import FakeEngine


@pytest.mark.parametrize('ref,normalized,split', [
    ('busybox', 'busybox:latest', ('busybox', 'latest')),
    ('docker.io/library/busybox:1.36', 'busybox:1.36', ('busybox', '1.36')),
    ('registry:5000/team/app', 'registry:5000/team/app:latest', ('registry:5000/team/app', 'latest')),
    ('app@sha256:abc', 'app@sha256:abc', ('app@sha256:abc', None)),
])
def test_image_references(ref, normalized, split):
    assert images.normalize_ref(ref) == normalized
    assert images.split_ref(ref) == split


@pytest.fixture
def engines():
    source, target = FakeEngine(), FakeEngine()
    source.app = source.add_image('app/web:1.4')
    source.worker = source.add_image('app/worker:1.4')
    source.add_image('app/api:1.4', source.app)  # same image, second name
    target.add_image('app/worker:1.4', source.worker)
    return source, target


def manager(source, target, refs, check_mode=False):
    source_client, target_client = source.client(), target.client()
    asked = []

    def connect_to(params, option=None):
        asked.append((dict(params), option))
        return source_client

    ctx = DockerContext(connect=lambda: target_client, connect_to=connect_to, check_mode=check_mode)
    return images.ImageCopyManager(ctx, refs, None), asked


def test_plan_copy_tag_or_skip(engines):
    source, target = engines
    assert images.plan_copy(source.client(), target.client(), ['app/web:1.4', 'app/worker:1.4']) == [
        {'image': 'app/web:1.4', 'id': source.app, 'action': 'copy'},
        {'image': 'app/worker:1.4', 'id': source.worker, 'action': 'skip'}]
    assert source.writes() == [] and target.writes() == []


def test_copy_then_tag_then_nothing(engines):
    source, target = engines
    copy, asked = manager(source, target, ['app/web:1.4', 'app/worker:1.4'])
    assert copy.run() == {'changed': True, 'copied': ['app/web:1.4'], 'tagged': [], 'already_present': ['app/worker:1.4']}
    assert asked == [({}, 'source')]  # the source engine is named in connection errors
    assert 'app/web:1.4' in target.images[source.app]['RepoTags']
    target.calls.clear()
    tag, _asked = manager(source, target, ['app/api:1.4'])  # its ID is there now, under another name
    assert tag.run() == {'changed': True, 'copied': [], 'tagged': ['app/api:1.4'], 'already_present': []}
    assert target.writes() == [('POST', '/images/%s/tag' % source.app)]
    again, _asked = manager(source, target, ['app/web:1.4', 'app/api:1.4'])
    assert again.run()['changed'] is False


def test_check_mode_writes_nothing(engines):
    source, target = engines
    copy, _asked = manager(source, target, ['app/web:1.4'], check_mode=True)
    assert copy.run()['copied'] == ['app/web:1.4']
    assert target.writes() == [] and source.writes() == []


def test_failures_name_the_image_and_engine_and_keep_what_was_copied(engines):
    source, target = engines
    target.fail[('POST', '/images/load')] = (500, 'no space\nleft on device')
    copy, _asked = manager(source, target, ['app/worker:1.4', 'app/web:1.4'])
    with pytest.raises(images.ImageCopyError) as info:
        copy.run()
    assert info.value.msg == 'load image app/web:1.4 on the target engine: no space left on device'
    assert info.value.extra == {'changed': False, 'copied': [], 'tagged': [], 'already_present': ['app/worker:1.4']}
    assert isinstance(info.value, DockyardError)
    missing, _asked = manager(source, target, ['nope:1'])
    with pytest.raises(images.ImageCopyError, match='^images: nope:1 is not present on the source engine$'):
        missing.run()


@pytest.mark.parametrize('ref,ok', [
    ('busybox', True), ('dockyard-test/busybox:latest', True), ('registry.example:5000/team/app:1.2.3', True),
    ('app@sha256:' + 'a' * 64, True), ('Bad Ref!!', False), ('', False), ('UPPER/case', False), ('app:', False),
    ('app:tag:more', False),
])
def test_image_reference_grammar(ref, ok):
    assert images.is_image_reference(ref) is ok


def test_a_reference_the_engine_would_refuse_names_the_option_before_any_connection():
    connects = []
    context = DockerContext(connect=lambda: connects.append('target'), connect_to=lambda params, option: connects.append(option))
    with pytest.raises(images.ImageCopyError) as info:
        images.ImageCopyManager(context, ['Bad Ref!!'], None).run()
    assert info.value.option == 'images' and connects == []
