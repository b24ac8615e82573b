# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""YAML reading with the scalar rules of the reference implementation (private to dockyard.azure).

Compose v2 parses YAML with go-yaml v3, which follows YAML 1.2 for plain
scalars: ``yes``/``no``/``on``/``off`` are strings, ``1e3`` is a float,
``0755`` and ``0o755`` are octal, timestamps are not strings, duplicate keys are
errors.  PyYAML's SafeLoader follows YAML 1.1, so it gets a resolver that
mimics go-yaml v3.  The Compose tags ``!reset`` and ``!override`` are kept as
markers for the loader.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import FormatError
from ansible_collections.dockyard.azure.plugins.module_utils.errors import MissingLibraryError


def _pyyaml() -> Any:
    """The PyYAML module, imported on first use so that a missing PyYAML is one clear failure."""
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise MissingLibraryError('PyYAML', exc) from exc
    return yaml


class Reset:
    """Value tagged ``!reset``: remove what previous files defined here."""
    __slots__ = ()


class Override:
    """Value tagged ``!override``: replace what previous files defined here."""
    __slots__ = ('value',)

    def __init__(self, value):
        self.value = value


_NUMBER_TAG = 'tag:dockyard:number'
_YAML_FLOAT = re.compile(r'^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$')
_GO_INT = re.compile(r'^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$')


def _go_number(text):
    """go-yaml v3 resolution of a plain scalar starting with a digit, sign or dot."""
    plain = text.replace('_', '')
    if _GO_INT.match(plain):
        sign = -1 if plain.startswith('-') else 1
        body = plain.lstrip('+-')
        low = body.lower()
        if low.startswith('0x'):
            return sign * int(body[2:], 16)
        if low.startswith('0o'):
            return sign * int(body[2:], 8)
        if low.startswith('0b'):
            return sign * int(body[2:], 2)
        if len(body) > 1 and body.startswith('0'):
            return sign * int(body, 8)
        return sign * int(body)
    if _YAML_FLOAT.match(plain):
        return float(plain)
    low = plain.lower()
    if low in ('.inf', '+.inf'):
        return float('inf')
    if low == '-.inf':
        return float('-inf')
    if low == '.nan':
        return float('nan')
    return text


def _construct_number(loader, node):
    return _go_number(loader.construct_scalar(node))


def _construct_bool(loader, node):
    return loader.construct_scalar(node) in ('true', 'True', 'TRUE')


def _construct_mapping(loader, node, deep=False):
    yaml = _pyyaml()
    if not isinstance(node, yaml.MappingNode):
        raise yaml.constructor.ConstructorError(
            None, None, 'expected a mapping node, but found %s' % node.id, node.start_mark)
    seen = {}
    for key_node, _value_node in node.value:
        if key_node.tag == 'tag:yaml.org,2002:merge':
            # go-yaml v3 refuses a second merge key in one mapping as any other duplicate key
            # (write ``<<: [*a, *b]`` instead)
            if '<<' in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, 'mapping key "<<" already defined at line %d' % (seen['<<'] + 1),
                    key_node.start_mark)
            seen['<<'] = key_node.start_mark.line
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError as exc:
            raise yaml.constructor.ConstructorError(
                'while constructing a mapping', node.start_mark, 'found unhashable key', key_node.start_mark) from exc
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, 'mapping key %r already defined at line %d' % (key, seen[key] + 1),
                key_node.start_mark)
        seen[key] = key_node.start_mark.line
    loader.flatten_mapping(node)
    mapping = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        value = loader.construct_object(value_node, deep=deep)
        mapping[key] = value
    return mapping


def _construct_yaml_map(loader, node):
    data = {}
    yield data
    data.update(_construct_mapping(loader, node))


def _construct_reset(loader, node):
    return Reset()


def _construct_override(loader, node):
    yaml = _pyyaml()
    if isinstance(node, yaml.MappingNode):
        value = _construct_mapping(loader, node, deep=True)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_scalar(node)
        # a tagged scalar loses implicit typing; resolve it as a plain scalar would be
        tag = loader.resolve(yaml.ScalarNode, value, (True, False))
        if tag == _NUMBER_TAG:
            value = _go_number(value)
        elif tag == 'tag:yaml.org,2002:bool':
            value = value in ('true', 'True', 'TRUE')
        elif tag == 'tag:yaml.org,2002:null':
            value = None
    return Override(value)


@functools.cache
def compose_yaml_loader():
    """A SafeLoader subclass with go-yaml v3 implicit typing (built on first use: PyYAML is optional at import)."""
    yaml = _pyyaml()
    base = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
    loader_class = type('ComposeYamlLoader', (base,), {})
    loader_class.yaml_implicit_resolvers = {}
    loader_class.add_implicit_resolver(
        'tag:yaml.org,2002:bool', re.compile('^(?:true|True|TRUE|false|False|FALSE)$'), list('tTfF'))
    loader_class.add_implicit_resolver(
        'tag:yaml.org,2002:null', re.compile('^(?:~|null|Null|NULL|)$'), ['~', 'n', 'N', ''])
    loader_class.add_implicit_resolver(
        'tag:yaml.org,2002:merge', re.compile('^(?:<<)$'), ['<'])
    # go-yaml v3 resolves timestamps; Compose then rejects them where a string is expected
    loader_class.add_implicit_resolver(
        'tag:yaml.org,2002:timestamp', re.compile(
            '^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?'
            '(?:(?:[Tt]|[ \\t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\\.[0-9]*)?'
            '(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?)$'), list('0123456789'))
    loader_class.add_implicit_resolver(
        _NUMBER_TAG, re.compile('^[-+.0-9].*$'), list('-+.0123456789'))
    loader_class.add_constructor(_NUMBER_TAG, _construct_number)
    loader_class.add_constructor('tag:yaml.org,2002:bool', _construct_bool)
    loader_class.add_constructor('tag:yaml.org,2002:map', _construct_yaml_map)
    loader_class.add_constructor('!reset', _construct_reset)
    loader_class.add_constructor('!override', _construct_override)
    return loader_class


def load_documents(text: str) -> list[Any]:
    """Parse every document of a YAML stream; return the non-empty ones (FormatError for invalid YAML)."""
    yaml = _pyyaml()
    try:
        return [doc for doc in yaml.load_all(text, Loader=compose_yaml_loader()) if doc is not None]
    except yaml.YAMLError as exc:
        raise FormatError('invalid YAML: %s' % exc) from exc


def strip_tags(value, path=(), resets=None, overrides=None):
    """Remove ``Reset``/``Override`` markers; return the plain value.

    Paths (tuples of keys) of reset and overridden nodes are appended to the
    given lists so the loader can drop them from what earlier files defined.
    """
    if resets is None:
        resets = []
    if overrides is None:
        overrides = []
    if isinstance(value, Override):
        overrides.append(path)
        return strip_tags(value.value, path, resets, overrides)
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            sub = path + (key,)
            if isinstance(item, Reset):
                resets.append(sub)
                continue
            result[key] = strip_tags(item, sub, resets, overrides)
        return result
    if isinstance(value, list):
        result = []
        for index, item in enumerate(value):
            if isinstance(item, Reset):
                continue
            result.append(strip_tags(item, path + (index,), resets, overrides))
        return result
    return value
