# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Template and parameter sources of a deployment (private to dockyard.azure; pure: no SDK, no calls).

The template comes from ``template`` (an inline dict, or JSON text) or ``template_file`` (a JSON file,
e.g. a quickstart's azuredeploy.json or what ``bicep build`` wrote). Parameters come from
``parameters_file`` (a deploymentParameters file, or a plain JSON object), then ``parameters``, then
``secure_parameters``, each later source overriding the earlier; a value may be given plainly or in
ARM's ``{"value": ...}`` (or Key Vault ``{"reference": ...}``) form. JSON files may carry ``//`` and
``/* */`` comments, as ARM accepts. Everything here fails with a DeploymentSourceError naming the
option (and the file, line and column) before anything is sent to Azure.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError

SECURE_TYPES = ('securestring', 'secureobject')
NAME_LIMIT = 64
NAME_CHARS = re.compile(r'[^-\w.()]')
FINGERPRINT_TAG = 'dockyard.azure.fingerprint'
_WRAPPER_KEYS = ({'value'}, {'value', 'metadata'}, {'reference'})


class DeploymentSourceError(DockyardError):
    """The template or the parameters cannot be read or do not fit together (raised before any Azure call)."""


@dataclass
class DeploymentSource:
    """What a deployment sends: the template, the parameters in ARM's wrapped form, and what is secret."""

    template: dict[str, Any]
    parameters: dict[str, dict[str, Any]]
    origin: str                                  # the file the template came from, or 'the inline template'
    name_hint: str                               # the default deployment name's stem
    secure_names: set[str] = field(default_factory=set)

    def secure_values(self) -> set[str]:
        """Every string among the secure parameters' values (what no_log must hide)."""
        found: set[str] = set()
        for name, entry in self.parameters.items():
            if name.lower() in self.secure_names:
                _strings(entry.get('value'), found)
        return {value for value in found if value}

    def public_parameters(self) -> dict[str, Any]:
        """Plain values of the parameters that are not secure (what results may show)."""
        return {name: entry.get('value') for name, entry in self.parameters.items()
                if name.lower() not in self.secure_names and 'value' in entry}

    def fingerprint(self, mode: str) -> str:
        """A digest of the template, the non-secure parameter values and the mode: a re-run of the same
        deployment has the same fingerprint (kept as a tag of the deployment). Secure values are not part
        of it, so the tag tells nothing about them."""
        canonical = json.dumps([self.template, self.public_parameters(), mode.lower()], sort_keys=True,
                               separators=(',', ':'), default=str)
        return hashlib.sha256(canonical.encode('utf-8')).hexdigest()[:32]


def _strings(value: Any, found: set[str]) -> None:
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        found.add(str(value))
    elif isinstance(value, Mapping):
        for item in value.values():
            _strings(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _strings(item, found)


def strip_json_comments(text: str) -> str:
    """``//`` and ``/* */`` comments outside strings replaced by spaces (line and column numbers stay)."""
    out: list[str] = []
    index, length, in_string = 0, len(text), False
    while index < length:
        char = text[index]
        if in_string:
            out.append(char)
            if char == '\\' and index + 1 < length:
                out.append(text[index + 1])
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        elif text.startswith('//', index):
            end = text.find('\n', index)
            end = length if end < 0 else end
            out.append(' ' * (end - index))
            index = end
            continue
        elif text.startswith('/*', index):
            end = text.find('*/', index + 2)
            end = length if end < 0 else end + 2
            out.append(''.join(c if c == '\n' else ' ' for c in text[index:end]))
            index = end
            continue
        else:
            out.append(char)
        index += 1
    return ''.join(out)


def parse_json_text(text: str, what: str, option: str) -> Any:
    """JSON (comments allowed) or a DeploymentSourceError citing the line and column."""
    try:
        return json.loads(strip_json_comments(text.lstrip('\ufeff')))
    except ValueError as exc:
        line, column = getattr(exc, 'lineno', None), getattr(exc, 'colno', None)
        where = ' (line %s, column %s)' % (line, column) if line else ''
        reason = getattr(exc, 'msg', str(exc))
        raise DeploymentSourceError('InvalidTemplate: %s is not valid JSON%s: %s.' % (what, where, reason),
                                    option=option, error_code='InvalidTemplate', line=line, column=column) from None


def read_json_file(path: str, what: str, option: str) -> Any:
    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        raise DeploymentSourceError('%s: the %s %s: no such file.' % (option, what, path), option=option)
    if path.lower().endswith('.bicep'):
        raise DeploymentSourceError(
            'The %s %s is Bicep source: compile it to JSON first (bicep build %s, or az bicep build --file %s) and '
            'give the .json file.' % (what, path, path, path), option=option)
    try:
        with open(path, encoding='utf-8-sig') as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise DeploymentSourceError('Cannot read the %s %s: %s' % (what, path, exc), option=option) from None
    return parse_json_text(text, "the %s '%s'" % (what, path), option)


def load_template(params: Mapping[str, Any]) -> tuple[dict[str, Any], str, str]:
    """(template, origin, name stem) from ``template`` or ``template_file``."""
    inline, path = params.get('template'), params.get('template_file')
    if inline is not None and path:
        raise DeploymentSourceError('Give either template or template_file, not both.', option='template')
    if inline is None and not path:
        raise DeploymentSourceError('One of template or template_file is required.', option='template_file')
    if path:
        template = read_json_file(path, 'template file', 'template_file')
        origin = path
        stem = os.path.splitext(os.path.basename(path))[0]
    else:
        template = parse_json_text(inline, 'the template', 'template') if isinstance(inline, str) else inline
        origin = 'the inline template'
        stem = ''
    if not isinstance(template, dict):
        raise DeploymentSourceError('InvalidTemplate: %s must be a JSON object.' % origin.capitalize(),
                                    option='template_file' if path else 'template', error_code='InvalidTemplate')
    if not any(key.lower() == 'resources' for key in template):
        raise DeploymentSourceError("InvalidTemplate: %s has no 'resources' section: is it an ARM template? (A "
                                    'parameters file goes to parameters_file.)' % origin,
                                    option='template_file' if path else 'template', error_code='InvalidTemplate')
    return template, origin, stem


def _wrapped(value: Any) -> dict[str, Any]:
    """ARM's form of one parameter: {"value": ...} or a Key Vault {"reference": ...} kept as given."""
    if isinstance(value, Mapping) and set(value) in _WRAPPER_KEYS:
        return {key: value[key] for key in value if key != 'metadata'}
    return {'value': value}


def parameter_entries(given: Any, option: str) -> dict[str, dict[str, Any]]:
    """The entries of a parameters dict (or of a deploymentParameters document) in ARM's wrapped form."""
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise DeploymentSourceError('%s must be a dict of parameter names to values.' % option, option=option)
    looks_like_file = 'parameters' in given and ('$schema' in given or 'contentVersion' in given)
    entries = given['parameters'] if looks_like_file else given
    if not isinstance(entries, Mapping):
        raise DeploymentSourceError("%s: 'parameters' must be an object." % option, option=option)
    return {str(name): _wrapped(value) for name, value in entries.items()}


def load_source(params: Mapping[str, Any]) -> DeploymentSource:
    """The template and its parameters, merged in order: parameters_file, parameters, secure_parameters."""
    template, origin, stem = load_template(params)
    merged: dict[str, dict[str, Any]] = {}
    if params.get('parameters_file'):
        document = read_json_file(params['parameters_file'], 'parameters file', 'parameters_file')
        merged.update(parameter_entries(document, 'parameters_file'))
    merged.update(parameter_entries(params.get('parameters'), 'parameters'))
    secure_given = parameter_entries(params.get('secure_parameters'), 'secure_parameters')
    merged.update(secure_given)
    declared = next((value for key, value in template.items() if key.lower() == 'parameters'), None) or {}
    if not isinstance(declared, Mapping):
        raise DeploymentSourceError("InvalidTemplate: the 'parameters' section of %s must be an object." % origin,
                                    option='template_file' if params.get('template_file') else 'template')
    secure = {name.lower() for name, definition in declared.items()
              if isinstance(definition, Mapping) and str(definition.get('type', '')).lower() in SECURE_TYPES}
    secure |= {name.lower() for name in secure_given}
    return DeploymentSource(template, merged, origin, stem, secure)


def default_name(source: DeploymentSource) -> str:
    """ansible-<template file name> (like az deployment's default, marked as ours), or ansible-inline-<digest>
    for an inline template: the same task gets the same name on every run."""
    if source.name_hint:
        stem = source.name_hint
    else:
        digest = hashlib.sha256(json.dumps(source.template, sort_keys=True, default=str).encode('utf-8')).hexdigest()
        stem = 'inline-' + digest[:12]
    return check_name(NAME_CHARS.sub('-', 'ansible-' + stem)[:NAME_LIMIT])


def check_name(name: str) -> str:
    if not name or len(name) > NAME_LIMIT or NAME_CHARS.search(name):
        raise DeploymentSourceError(
            "name: the deployment name '%s' is not valid: up to %d letters, digits, '-', '_', '.', '(' and ')'."
            % (name, NAME_LIMIT), option='name')
    return name
