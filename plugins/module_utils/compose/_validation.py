# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of a Compose tree: the Compose JSON schema, then compose-go's extra checks
(private to dockyard.azure; internal to the Compose loader).

A valid tree (nearly every run) is recognised by _schema_check, which answers as jsonschema does without
importing it; jsonschema is imported only for an invalid tree, to find and word the most specific error.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _generated_compose_schema, _schema_check
from ansible_collections.dockyard.azure.plugins.module_utils.compose._tree import key_text
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError
from ansible_collections.dockyard.azure.plugins.module_utils.errors import MissingLibraryError


@functools.cache
def _schema_validator() -> Any:
    """The Draft 7 validator of the Compose schema, built once (jsonschema is imported on first use)."""
    try:
        import jsonschema  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise MissingLibraryError('jsonschema', exc) from exc
    return jsonschema.Draft7Validator(_generated_compose_schema.SCHEMA)


def _best_error(errors):
    """Pick the most specific error (deepest path) like the reference does."""
    def depth(err):
        if err.context:
            return max(depth(sub) for sub in err.context)
        return len(err.absolute_path)

    def unwrap(err):
        if err.context:
            candidates = sorted(err.context, key=depth, reverse=True)
            return unwrap(candidates[0])
        return err
    errors = sorted(errors, key=depth, reverse=True)
    return unwrap(errors[0])


def validate_schema(model: dict, filename: str) -> None:
    """Raise ComposeError for the most specific schema violation of the merged tree."""
    if _schema_check.is_valid(model, _generated_compose_schema.SCHEMA):
        return
    validator = _schema_validator()
    errors = list(validator.iter_errors(model))
    if not errors:
        return  # jsonschema is the authority (_schema_check answers False for what it does not implement)
    err = _best_error(errors)
    path = tuple(err.absolute_path)
    if err.validator == 'additionalProperties':
        extra = [k for k in err.instance if k not in (err.schema.get('properties') or {})
                 and not any(re.search(p, k) for p in (err.schema.get('patternProperties') or {}))]
        message = 'additional properties %s not allowed' % ', '.join("'%s'" % k for k in sorted(extra))
    elif err.validator == 'type':
        expected = err.validator_value
        if isinstance(expected, list):
            expected = ' or '.join(expected)
        message = 'must be a %s' % expected
    else:
        message = err.message
    raise ComposeError(message, filename, key_text(path) or None)


def is_true(value):
    return value is True or (isinstance(value, str) and value.lower() == 'true')


def validate_model(model):
    for kind in ('volumes', 'networks'):
        for name, res in (model.get(kind) or {}).items():
            if isinstance(res, dict) and is_true(res.get('external')):
                for key in res:
                    if key in ('name', 'external') or key.startswith('x-'):
                        continue
                    raise ComposeError('conflicting parameters "external" and "%s" specified' % key,
                                       key='%s.%s' % (kind, name))
    for kind, keys in (('configs', ('file', 'environment', 'content')), ('secrets', ('file', 'environment'))):
        for name, res in (model.get(kind) or {}).items():
            if not isinstance(res, dict):
                res = {}
            count = sum(1 for k in keys if k in res)
            where = '%s.%s' % (kind, name)
            if count > 1:
                raise ComposeError('%s attributes are mutually exclusive' % '|'.join(keys), key=where)
            if count == 0 and 'driver' not in res and 'external' not in res:
                raise ComposeError('one of %s must be set' % '|'.join(keys), key=where)
    for sname, service in (model.get('services') or {}).items():
        for index, port in enumerate(service.get('ports') or []):
            if isinstance(port, dict) and 'host_ip' in port:
                try:
                    ipaddress.ip_address(str(port['host_ip']))
                except ValueError:
                    raise ComposeError('invalid ip address: %s' % port['host_ip'],
                                       key='services.%s.ports[%d]' % (sname, index)) from None
        devices = (((service.get('deploy') or {}).get('resources') or {}).get('reservations') or {}).get('devices')
        for device in (devices or []) + list(service.get('gpus') or []):
            if isinstance(device, dict) and 'count' in device and 'device_ids' in device:
                raise ComposeError('"count" and "device_ids" attributes are exclusive',
                                   key='services.%s' % sname)
