# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is a Compose model valid against the Compose schema? Answered without jsonschema (private to dockyard.azure;
internal to the Compose loader).

``is_valid(instance, schema)`` answers what ``jsonschema.Draft7Validator(schema).is_valid(instance)``
answers, for the keywords the Compose schema uses (SUPPORTED; ANNOTATIONS never affect validity, and
jsonschema's default validator asserts no ``format``): ``$ref`` siblings ignored as Draft 7 says,
booleans are not numbers, a float with an integral value is an integer, ``enum`` and ``uniqueItems``
with jsonschema's equality, regular expressions with ``re.search``. The loader then imports jsonschema
only to explain an invalid document; a valid one (nearly every run) costs no jsonschema import.

Why walk the schema rather than generate Python from it: modules run from AnsiballZ's zip, where no
bytecode is cached, and compiling ~2000 generated lines costs more than the jsonschema import it
saves; the schema is already loaded JSON. A keyword not in SUPPORTED makes is_valid answer False, so
the caller falls back to jsonschema: this check may be incomplete, never wrong.
tools/update_compose_schema.py refuses a schema with a keyword outside SUPPORTED and ANNOTATIONS.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from numbers import Number
from typing import Any

SUPPORTED = frozenset((
    '$ref', 'type', 'enum', 'const', 'properties', 'patternProperties', 'additionalProperties', 'required', 'items',
    'oneOf', 'anyOf', 'allOf', 'not', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'pattern',
    'uniqueItems', 'minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties',
))
ANNOTATIONS = frozenset((
    'description', 'title', 'default', 'examples', 'deprecated', '$comment', '$schema', '$id', 'readOnly',
    'writeOnly', 'format', 'definitions',
))

_REGEXES: dict[str, re.Pattern] = {}


def _search(pattern: str, text: str) -> bool:
    compiled = _REGEXES.get(pattern)
    if compiled is None:
        compiled = _REGEXES[pattern] = re.compile(pattern)
    return compiled.search(text) is not None


def _is_number(x: Any) -> bool:
    return not isinstance(x, bool) and isinstance(x, Number)


def _is_integer(x: Any) -> bool:
    # Draft 6 and 7: a float with an integral value is an integer; booleans are neither.
    return not isinstance(x, bool) and (isinstance(x, int) or (isinstance(x, float) and x.is_integer()))


_TYPES = {
    'object': lambda x: isinstance(x, dict),
    'array': lambda x: isinstance(x, list),
    'string': lambda x: isinstance(x, str),
    'boolean': lambda x: isinstance(x, bool),
    'null': lambda x: x is None,
    'number': _is_number,
    'integer': _is_integer,
}

_TRUE, _FALSE = object(), object()


def _unbool(x: Any) -> Any:
    if x is True:
        return _TRUE
    if x is False:
        return _FALSE
    return x


def _equal(one: Any, two: Any) -> bool:
    """jsonschema's equality: True is not 1; sequences and mappings item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(i, j) for i, j in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(key in two and _equal(value, two[key]) for key, value in one.items())
    return bool(_unbool(one) == _unbool(two))


def _unique(items: list) -> bool:
    """jsonschema's uniq(): neighbours once sorted when the items sort, else every pair."""
    try:
        ordered = sorted(_unbool(item) for item in items)
        return not any(_equal(i, j) for i, j in zip(ordered, itertools.islice(ordered, 1, None)))
    except (NotImplementedError, TypeError):
        seen: list = []
        for item in items:
            item = _unbool(item)
            if any(_equal(other, item) for other in seen):
                return False
            seen.append(item)
    return True


class _Checker:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.definitions = root.get('definitions') or {}

    def valid(self, x: Any, schema: Any) -> bool:  # noqa: C901  (one branch per keyword, as the spec lists them)
        if schema is True:
            return True
        if schema is False or not isinstance(schema, dict):
            return False
        ref = schema.get('$ref')
        if ref is not None:  # Draft 7: the siblings of $ref are ignored
            if not ref.startswith('#/definitions/') or ref[14:] not in self.definitions:
                return False
            return self.valid(x, self.definitions[ref[14:]])
        for keyword in schema:
            if keyword not in SUPPORTED and keyword not in ANNOTATIONS:
                return False  # not understood here: the caller asks jsonschema
        types = schema.get('type')
        if types is not None:
            if isinstance(types, str):
                types = (types,)
            if any(kind not in _TYPES for kind in types) or not any(_TYPES[kind](x) for kind in types):
                return False
        if 'enum' in schema and not any(_equal(x, value) for value in schema['enum']):
            return False
        if 'const' in schema and not _equal(x, schema['const']):
            return False
        if isinstance(x, dict) and not self._object(x, schema):
            return False
        if isinstance(x, list) and not self._array(x, schema):
            return False
        if isinstance(x, str):
            if 'pattern' in schema and not _search(schema['pattern'], x):
                return False
            if len(x) < schema.get('minLength', 0) or len(x) > schema.get('maxLength', len(x)):
                return False
        if _is_number(x) and not _number(x, schema):
            return False
        for keyword, test in (('allOf', all), ('anyOf', any)):
            if keyword in schema and not test(self.valid(x, sub) for sub in schema[keyword]):
                return False
        if 'oneOf' in schema and sum(1 for sub in schema['oneOf'] if self.valid(x, sub)) != 1:
            return False
        return not ('not' in schema and self.valid(x, schema['not']))

    def _object(self, x: dict, schema: Mapping[str, Any]) -> bool:
        if any(name not in x for name in schema.get('required') or ()):
            return False
        if len(x) < schema.get('minProperties', 0) or len(x) > schema.get('maxProperties', len(x)):
            return False
        properties = schema.get('properties') or {}
        patterns = schema.get('patternProperties') or {}
        additional = schema.get('additionalProperties', True)
        joined = '|'.join(patterns)  # jsonschema finds additional properties with the patterns joined
        for key, value in x.items():
            if key in properties and not self.valid(value, properties[key]):
                return False
            for pattern, sub in patterns.items():
                if _search(pattern, key) and not self.valid(value, sub):
                    return False
            if (additional is not True and key not in properties and not (joined and _search(joined, key))
                    and not self.valid(value, additional)):
                return False
        return True

    def _array(self, x: list, schema: Mapping[str, Any]) -> bool:
        items = schema.get('items', True)
        if isinstance(items, list):
            return False  # the tuple form: not used by the Compose schema, left to jsonschema
        if items is not True and not all(self.valid(item, items) for item in x):
            return False
        if len(x) < schema.get('minItems', 0) or len(x) > schema.get('maxItems', len(x)):
            return False
        return not (schema.get('uniqueItems') is True and not _unique(x))


def _number(x: Any, schema: Mapping[str, Any]) -> bool:
    for keyword, fails in (('minimum', lambda limit: x < limit), ('maximum', lambda limit: x > limit),
                           ('exclusiveMinimum', lambda limit: x <= limit), ('exclusiveMaximum', lambda limit: x >= limit)):
        if keyword in schema and fails(schema[keyword]):
            return False
    return True


def unsupported_keywords(schema: Any) -> set[str]:
    """Keywords of `schema` (anywhere in it) that is_valid does not implement; empty for the Compose schema."""
    found: set[str] = set()
    if isinstance(schema, list):
        for item in schema:
            found |= unsupported_keywords(item)
    elif isinstance(schema, dict):
        for keyword, value in schema.items():
            if keyword not in SUPPORTED and keyword not in ANNOTATIONS:
                found.add(keyword)
            if keyword in ('properties', 'patternProperties', 'definitions'):
                for sub in value.values():
                    found |= unsupported_keywords(sub)
            elif keyword in ('items', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf'):
                found |= unsupported_keywords(value)
    return found


def is_valid(instance: Any, schema: Mapping[str, Any]) -> bool:
    """Whether `instance` is valid against `schema` (a Draft 7 schema with its definitions), as jsonschema says."""
    return _Checker(schema).valid(instance, schema)
