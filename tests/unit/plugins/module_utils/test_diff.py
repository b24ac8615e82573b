# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.diff import DifferenceTracker


def test_no_difference():
    tracker = DifferenceTracker()
    tracker.add('location', 'westeurope', 'westeurope')
    tracker.add('tags', {'a': '1'}, {'a': '1'})
    assert not tracker.changed
    assert tracker.changed_fields == []
    assert tracker.diff() == {'before': {'location': 'westeurope', 'tags': {'a': '1'}},
                              'after': {'location': 'westeurope', 'tags': {'a': '1'}}}


def test_difference_is_tracked_per_field():
    tracker = DifferenceTracker()
    tracker.add('location', 'westeurope', 'westeurope')
    tracker.add('tags', {'a': '1'}, {'a': '2'})
    assert tracker.changed
    assert tracker.changed_fields == ['tags']
    assert tracker.has_difference_for('tags')
    assert not tracker.has_difference_for('location')


def test_explicit_changed_overrides_equality():
    tracker = DifferenceTracker()
    tracker.add('location', 'West Europe', 'westeurope', changed=False)
    assert not tracker.changed


def test_readding_a_field_replaces_it():
    tracker = DifferenceTracker()
    tracker.add('tags', {}, {'a': '1'})
    tracker.add('tags', {'a': '1'}, {'a': '1'})
    assert not tracker.changed


def test_values_are_copied():
    tags = {'a': '1'}
    tracker = DifferenceTracker()
    tracker.add('tags', tags, tags)
    tags['a'] = 'mutated'
    assert tracker.before == {'tags': {'a': '1'}}


def test_absent_sides_are_empty_dicts():
    tracker = DifferenceTracker()
    tracker.add('location', None, 'westeurope')
    assert tracker.diff(before_exists=False) == {'before': {}, 'after': {'location': 'westeurope'}}
    assert tracker.diff(after_exists=False) == {'before': {'location': None}, 'after': {}}


def test_merge_with_prefix():
    inner = DifferenceTracker()
    inner.add('prefix', '10.0.0.0/24', '10.0.1.0/24')
    outer = DifferenceTracker()
    outer.add('name', 'a', 'a')
    outer.merge(inner, prefix='subnet.')
    assert outer.changed_fields == ['subnet.prefix']
    assert outer.after == {'name': 'a', 'subnet.prefix': '10.0.1.0/24'}
