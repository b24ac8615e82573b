# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every key of the Compose schema is used by at least one case of the differential corpus.

The keys come from the schema itself (the one the loader validates against, generated from the
reference binary): every ``properties`` name, reached from the top through ``$ref``, ``oneOf`` /
``anyOf`` / ``allOf``, arrays' ``items`` and named maps' ``patternProperties``, written as a path
such as ``services.*.ports[].host_ip`` or ``networks.*.ipam.config[].aux_addresses``.

A key counts as covered when a compose file of a case the reference accepts (no ``error: true``)
uses it: the corpus files are walked along the same schema, so a key only counts where the schema
puts it.  Keys that no accepted case can use are listed in ALLOWED_UNCOVERED with the reason and
the case that shows what happens instead.

Run it to see the report: ``python -m pytest -q tests/compose_reference/test_schema_coverage.py``.
"""

from __future__ import annotations

import glob
import os
import re

import yaml

from ansible_collections.dockyard.azure.plugins.module_utils.compose._generated_compose_schema import SCHEMA
from ansible_collections.dockyard.azure.plugins.module_utils.compose._yaml import Override, Reset, load_documents

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus')

# key path -> (why no accepted case can use it, the corpus case that shows what happens instead).
# Empty today: the keys the compose engine refuses to deploy (provider, models, post_start/pre_stop,
# use_api_socket, credential_spec, ...) are loaded exactly as the reference loads them (case
# hooks_provider_models) and refused by spec.check_service before any write, naming the key; so they
# are covered like any other key.  A key belongs here only if the reference itself cannot print it.
ALLOWED_UNCOVERED: dict[str, tuple[str, str]] = {
}


def _resolve(node):
    seen = set()
    while isinstance(node, dict) and '$ref' in node:
        ref = node['$ref']
        if ref in seen:
            break
        seen.add(ref)
        target = SCHEMA
        for part in ref.lstrip('#/').split('/'):
            target = target[part]
        node = target
    return node


def _alternatives(node):
    """The schemas a value at `node` may match: `node` itself and its oneOf/anyOf/allOf branches, resolved."""
    node = _resolve(node)
    if not isinstance(node, dict):
        return []
    found = [node]
    for keyword in ('oneOf', 'anyOf', 'allOf'):
        for branch in node.get(keyword) or []:
            found.extend(_alternatives(branch))
    return found


def _named(pattern):
    """A patternProperties entry that stands for user-chosen names (not the ``x-`` extensions)."""
    return not pattern.startswith('^x-')


def schema_keys():
    """Every key path the schema defines."""
    keys = set()

    def walk(node, path, refs):
        raw = node
        if isinstance(raw, dict) and '$ref' in raw:
            if raw['$ref'] in refs:
                return
            refs = refs | {raw['$ref']}
        for alt in _alternatives(node):
            for name, sub in (alt.get('properties') or {}).items():
                key = '%s.%s' % (path, name) if path else name
                if key not in keys:
                    keys.add(key)
                    walk(sub, key, refs)
            for pattern, sub in (alt.get('patternProperties') or {}).items():
                if _named(pattern):
                    walk(sub, '%s.*' % path if path else '*', refs)
            if isinstance(alt.get('items'), dict):
                walk(alt['items'], path + '[]', refs)
            for keyword in ('oneOf', 'anyOf', 'allOf'):
                for branch in alt.get(keyword) or []:
                    if isinstance(branch, dict) and '$ref' in branch and branch['$ref'] not in refs:
                        walk(branch, path, refs)

    walk(SCHEMA, '', frozenset())
    return keys


def used_keys(value, node=SCHEMA, path=''):
    """The schema key paths that `value` (a compose document) uses."""
    found = set()
    if isinstance(value, Override):
        value = value.value
    if isinstance(value, Reset) or value is None:
        return found
    alternatives = _alternatives(node)
    if isinstance(value, dict):
        for key, item in value.items():
            key = str(key)
            for alt in alternatives:
                props = alt.get('properties') or {}
                if key in props:
                    sub = '%s.%s' % (path, key) if path else key
                    found.add(sub)
                    found |= used_keys(item, props[key], sub)
                    break
                pattern = next((p for p in alt.get('patternProperties') or {} if _named(p) and re.search(p, key)), None)
                if pattern is not None:
                    found |= used_keys(item, alt['patternProperties'][pattern], '%s.*' % path if path else '*')
                    break
    elif isinstance(value, list):
        for alt in alternatives:
            if isinstance(alt.get('items'), dict):
                for item in value:
                    found |= used_keys(item, alt['items'], path + '[]')
                break
    return found


def _is_compose_document(document):
    """A mapping of top-level Compose keys only (other YAML files of a project are not compose files)."""
    return isinstance(document, dict) and bool(document) and all(
        str(key) in SCHEMA['properties'] or str(key).startswith('x-') for key in document)


def _case_is_accepted(case_dir):
    with open(os.path.join(case_dir, 'case.yml')) as handle:
        spec = yaml.safe_load(handle) or {}
    return not spec.get('error')


def corpus_keys(accepted_only=True):
    """The key paths the corpus's compose files use, and which cases use each."""
    users: dict[str, set[str]] = {}
    for case_file in sorted(glob.glob(os.path.join(CORPUS, '*', 'case.yml'))):
        case_dir = os.path.dirname(case_file)
        if accepted_only and not _case_is_accepted(case_dir):
            continue
        case = os.path.basename(case_dir)
        for path in glob.glob(os.path.join(case_dir, '**', '*.y*ml'), recursive=True):
            if os.path.basename(path) == 'case.yml' or not path.endswith(('.yml', '.yaml')):
                continue
            with open(path, encoding='utf-8', errors='replace') as handle:
                text = handle.read()
            try:
                documents = load_documents(text)
            except Exception:  # a YAML file of the project that is not a compose file (or invalid on purpose)
                continue
            for document in documents:
                if _is_compose_document(document):
                    for key in used_keys(document):
                        users.setdefault(key, set()).add(case)
    return users


def test_every_schema_key_has_a_case():
    keys = schema_keys()
    used = corpus_keys()
    uncovered = sorted(keys - set(used) - set(ALLOWED_UNCOVERED))
    assert not uncovered, '%d of %d schema keys are used by no accepted corpus case:\n  %s' % (
        len(uncovered), len(keys), '\n  '.join(uncovered))


def test_allow_list_is_exact_and_reasoned():
    keys = schema_keys()
    used = corpus_keys()
    cases = {os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(CORPUS, '*', 'case.yml'))}
    for key, (reason, case) in ALLOWED_UNCOVERED.items():
        assert key in keys, 'allow-listed %s is not a key of the schema' % key
        assert key not in used, 'allow-listed %s is covered by %s: remove it from the list' % (key, sorted(used[key]))
        assert reason and case in cases, 'allow-listed %s needs a reason and an existing case (%s)' % (key, case)


def test_the_walk_sees_nested_long_syntax_keys():
    # the two walks agree on where a key lives (a wrong walk would make the coverage test vacuous)
    keys = schema_keys()
    for key in ('services.*.ports[].host_ip', 'services.*.deploy.resources.limits.cpus',
                'networks.*.ipam.config[].aux_addresses', 'services.*.develop.watch[].exec.command',
                'services.*.volumes[].bind.create_host_path', 'include[].project_directory', 'name'):
        assert key in keys
    doc = {'services': {'web': {'ports': [{'target': 80, 'host_ip': '127.0.0.1'}, '8080:80'],
                                'x-extra': {'image': 'ignored'}}},
           'networks': {'n': {'ipam': {'config': [{'subnet': '10.0.0.0/24'}]}}}}
    assert used_keys(doc) == {'services', 'services.*.ports', 'services.*.ports[].target',
                              'services.*.ports[].host_ip', 'networks', 'networks.*.ipam',
                              'networks.*.ipam.config', 'networks.*.ipam.config[].subnet'}
