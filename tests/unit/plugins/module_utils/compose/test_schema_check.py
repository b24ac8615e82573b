# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_schema_check answers exactly as jsonschema's Draft7Validator: on the Compose corpus, on thousands of
mutations of it, and on the corner cases of JSON schema's semantics."""

from __future__ import annotations

import copy
import glob
import os
import random

import jsonschema
import pytest
import yaml

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _generated_compose_schema, _schema_check

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))))
CORPUS = os.path.join(ROOT, 'tests', 'compose_reference', 'corpus')
SCHEMA = _generated_compose_schema.SCHEMA
VALUES = [None, True, False, 0, 1, -1, 1.5, 2.0, '', 'x', '1', 'host', 'always', 'service_healthy', [], [1], ['a', 'a'],
          [1, 1.0], [True, 1], [[True], [1], [True]], {}, {'a': 1}, {'x-y': 1}, [{'a': 1}, {'a': 1}]]
KEYS = ['bogus', 'x-ext', 'image', 'ports', 'deploy', 'bad key!', 'name', 'type', 'target', 'condition']


def string_keys(data):
    """Keys as the loader gives them (strings)."""
    if isinstance(data, dict):
        return {str(key): string_keys(value) for key, value in data.items()}
    if isinstance(data, list):
        return [string_keys(value) for value in data]
    return data


def corpus_documents():
    documents = []
    for path in sorted(glob.glob(os.path.join(CORPUS, '**', '*.y*ml'), recursive=True)):
        with open(path, encoding='utf-8') as handle:
            try:
                documents.extend(string_keys(doc) for doc in yaml.safe_load_all(handle) if isinstance(doc, dict))
            except yaml.YAMLError:
                continue  # the corpus has deliberately broken YAML too
    return documents


def mutate(rng, data):
    """`data` with one random change somewhere: a key dropped or added, a value replaced, a list item duplicated."""
    if isinstance(data, dict) and data:
        data, key, roll = dict(data), rng.choice(sorted(data)), rng.random()
        if roll < 0.2:
            del data[key]
        elif roll < 0.35:
            data[rng.choice(KEYS)] = copy.deepcopy(rng.choice(VALUES))
        elif roll < 0.55:
            data[key] = copy.deepcopy(rng.choice(VALUES))
        else:
            data[key] = mutate(rng, data[key])
        return data
    if isinstance(data, list) and data:
        data, index, roll = list(data), rng.randrange(len(data)), rng.random()
        if roll < 0.3:
            data[index] = copy.deepcopy(rng.choice(VALUES))
        elif roll < 0.5:
            data.append(copy.deepcopy(data[index]))
        else:
            data[index] = mutate(rng, data[index])
        return data
    return copy.deepcopy(rng.choice(VALUES))


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason='tests/compose_reference is not in this copy of the collection')
def test_same_answer_as_jsonschema_on_the_corpus_and_its_mutations():
    validator = jsonschema.Draft7Validator(SCHEMA)
    rng = random.Random(17)
    documents = corpus_documents()
    assert len(documents) > 100
    cases = valid = 0
    for document in documents:
        for round_ in range(25):
            candidate = document if round_ == 0 else mutate(rng, document if round_ < 10 else mutate(rng, document))
            expected = validator.is_valid(candidate)
            assert _schema_check.is_valid(candidate, SCHEMA) is expected, candidate
            cases, valid = cases + 1, valid + expected
    assert valid > 500 and cases - valid > 2000, (cases, valid)  # both answers are exercised


@pytest.mark.parametrize('schema, instance', [
    ({'type': 'integer'}, 2.0),
    ({'type': 'integer'}, 2.5),
    ({'type': 'integer'}, True),
    ({'type': 'number'}, False),
    ({'enum': [1]}, True),
    ({'enum': ['1']}, 1),
    ({'uniqueItems': True}, [1, 1.0]),
    ({'uniqueItems': True}, [1, True]),
    ({'uniqueItems': True}, [[True], [1], [True]]),  # jsonschema compares sorted neighbours only: valid
    ({'uniqueItems': True}, [{'a': 1}, {'a': 1}]),
    ({'$ref': '#/definitions/s', 'type': 'integer', 'definitions': {'s': {'type': 'string'}}}, 'text'),  # siblings ignored
    ({'properties': {'a': {'type': 'string'}}, 'patternProperties': {'^a': {'minLength': 2}}}, {'a': 'x'}),
    ({'patternProperties': {'^x-': {}, '^y$': {}}, 'additionalProperties': False}, {'x-1': 1, 'y': 2}),
    ({'patternProperties': {'^x-': {}, '^y$': {}}, 'additionalProperties': False}, {'yy': 2}),
    ({'oneOf': [{'type': 'number'}, {'type': 'integer'}]}, 3),
    ({'items': False}, []),
    ({'minimum': 0, 'type': ['number', 'string']}, '-1'),
    ({'pattern': 'b'}, 'abc'),
    ({'required': ['a'], 'type': 'array'}, []),
])
def test_corner_cases_as_jsonschema(schema, instance):
    assert _schema_check.is_valid(instance, schema) is jsonschema.Draft7Validator(schema).is_valid(instance)


def test_unknown_keyword_answers_invalid_so_jsonschema_decides():
    schema = {'type': 'object', 'propertyNames': {'maxLength': 3}}
    assert _schema_check.unsupported_keywords(schema) == {'propertyNames'}
    assert _schema_check.is_valid({'ab': 1}, schema) is False


def test_the_compose_schema_uses_only_supported_keywords():
    assert _schema_check.unsupported_keywords(SCHEMA) == set()
