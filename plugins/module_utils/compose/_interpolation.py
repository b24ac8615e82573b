# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interpolation of a Compose file, then the type casts compose-go applies (private to dockyard.azure).

``${VAR}`` forms are expanded in every string value (keys are not interpolated); fields the
schema types as numbers or booleans are then cast from the interpolated string, with the
messages of Go's strconv.
"""

from __future__ import annotations

import re

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _template as tpl
from ansible_collections.dockyard.azure.plugins.module_utils.compose._tree import SERVICE, key_text, matches
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError, MissingRequiredError, TemplateError


def to_bool(value: str) -> bool:
    """A boolean as compose-go casts it from an interpolated string (ValueError otherwise)."""
    low = value.lower()
    if low in ('y', 'yes', 'true', 'on'):
        return True
    if low in ('n', 'no', 'false', 'off'):
        return False
    raise ValueError('invalid boolean: %s' % value)


def _to_int(value):
    if not re.match(r'^[-+]?[0-9]+$', value):
        raise ValueError('strconv.Atoi: parsing "%s": invalid syntax' % value)
    return int(value)


def _to_float(value):
    try:
        return float(value)
    except ValueError:
        raise ValueError('strconv.ParseFloat: parsing "%s": invalid syntax' % value) from None


_CASTS = [
    (SERVICE + ('cpu_count',), _to_int), (SERVICE + ('cpu_percent',), _to_float),
    (SERVICE + ('cpu_period',), _to_int), (SERVICE + ('cpu_quota',), _to_int),
    (SERVICE + ('cpu_rt_period',), _to_int), (SERVICE + ('cpu_rt_runtime',), _to_int),
    (SERVICE + ('cpus',), _to_float), (SERVICE + ('cpu_shares',), _to_int),
    (SERVICE + ('init',), to_bool), (SERVICE + ('attach',), to_bool),
    (SERVICE + ('deploy', 'replicas'), _to_int),
    (SERVICE + ('deploy', 'update_config', 'parallelism'), _to_int),
    (SERVICE + ('deploy', 'update_config', 'max_failure_ratio'), _to_float),
    (SERVICE + ('deploy', 'rollback_config', 'parallelism'), _to_int),
    (SERVICE + ('deploy', 'rollback_config', 'max_failure_ratio'), _to_float),
    (SERVICE + ('deploy', 'restart_policy', 'max_attempts'), _to_int),
    (SERVICE + ('deploy', 'placement', 'max_replicas_per_node'), _to_int),
    (SERVICE + ('healthcheck', 'retries'), _to_int), (SERVICE + ('healthcheck', 'disable'), to_bool),
    (SERVICE + ('oom_kill_disable',), to_bool), (SERVICE + ('oom_score_adj',), _to_int),
    (SERVICE + ('pids_limit',), _to_int), (SERVICE + ('ports', '[]', 'target'), _to_int),
    (SERVICE + ('privileged',), to_bool), (SERVICE + ('read_only',), to_bool),
    (SERVICE + ('scale',), _to_int), (SERVICE + ('stdin_open',), to_bool), (SERVICE + ('tty',), to_bool),
    (SERVICE + ('ulimits', '*'), _to_int), (SERVICE + ('ulimits', '*', 'hard'), _to_int),
    (SERVICE + ('ulimits', '*', 'soft'), _to_int),
    (SERVICE + ('volumes', '[]', 'read_only'), to_bool),
    (SERVICE + ('volumes', '[]', 'volume', 'nocopy'), to_bool),
    (SERVICE + ('depends_on', '*', 'required'), to_bool),
    (SERVICE + ('depends_on', '*', 'restart'), to_bool),
    (SERVICE + ('build', 'no_cache'), to_bool), (SERVICE + ('build', 'pull'), to_bool),
    (SERVICE + ('build', 'privileged'), to_bool), (SERVICE + ('use_api_socket',), to_bool),
    (('networks', '*', 'external'), to_bool), (('networks', '*', 'internal'), to_bool),
    (('networks', '*', 'attachable'), to_bool), (('networks', '*', 'enable_ipv4'), to_bool),
    (('networks', '*', 'enable_ipv6'), to_bool), (('volumes', '*', 'external'), to_bool),
    (('secrets', '*', 'external'), to_bool), (('configs', '*', 'external'), to_bool),
]


class Interpolator:
    """Interpolates and casts a whole file's tree; errors name the file and the key."""

    def __init__(self, environment: dict[str, str], filename: str) -> None:
        self.environment = environment
        self.filename = filename
        self.lookup = tpl.mapping_lookup(environment)

    def __call__(self, value, path=()):
        if isinstance(value, dict):
            return {k: self(v, path + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v, path + (i,)) for i, v in enumerate(value)]
        if isinstance(value, str):
            try:
                result = tpl.substitute(value, self.lookup)
            except (TemplateError, MissingRequiredError) as exc:
                raise ComposeError('error while interpolating: %s' % exc, self.filename, key_text(path)) from exc
            for pattern, cast in _CASTS:
                if matches(path, pattern):
                    try:
                        return cast(result)
                    except ValueError as exc:
                        raise ComposeError(str(exc), self.filename, key_text(path)) from exc
            return result
        return value
