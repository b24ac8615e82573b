# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Environment of a Compose project and of its services (private to dockyard.azure; internal to the Compose loader).

``.env`` files for interpolation, ``environment`` entries without a value taken from the
project's environment, and each service's ``env_file`` / ``label_file`` merged in.
"""

from __future__ import annotations

import os

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _formats as fmt
from ansible_collections.dockyard.azure.plugins.module_utils.compose import _model
from ansible_collections.dockyard.azure.plugins.module_utils.compose import _template as tpl
from ansible_collections.dockyard.azure.plugins.module_utils.compose._interpolation import to_bool
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError


def _read_text(path):
    with open(path, 'rb') as handle:
        return handle.read().decode('utf-8')


def _read_dotenv(path, lookup):
    """The variables of one ``.env`` style file; its syntax and interpolation errors name the file."""
    try:
        return tpl.parse_dotenv(_read_text(path), lookup)
    except ComposeError as exc:  # DotEnvError, TemplateError, MissingRequiredError
        raise ComposeError('failed to read %s: %s' % (path, exc), path) from exc


def read_env_files(paths: list[str], environment: dict[str, str]) -> dict[str, str]:
    """Variables of ``.env`` style files (later files win), like Compose's GetEnvFromFile."""
    result: dict[str, str] = {}
    for path in paths:
        if not os.path.exists(path):
            raise ComposeError("couldn't find env file: %s" % path)
        if os.path.isdir(path):
            raise ComposeError('%s is a directory' % path)
        result.update(_read_dotenv(path, tpl.mapping_lookup(result, environment)))
    return result


def resolve_environment(model, environment):
    """``environment`` list entries without a value, and env-sourced secrets/configs, from `environment`."""
    for service in (model.get('services') or {}).values():
        env = service.get('environment') if isinstance(service, dict) else None
        if isinstance(env, list):
            resolved = []
            for entry in env:
                if not isinstance(entry, str):
                    continue
                if entry in environment:
                    resolved.append('%s=%s' % (entry, environment[entry]))
                else:
                    resolved.append(entry)
            service['environment'] = resolved
    for kind in ('secrets', 'configs'):
        for res in (model.get(kind) or {}).values():
            if isinstance(res, dict) and isinstance(res.get('environment'), str) and res['environment'] in environment:
                res['x-#value'] = environment[res['environment']]


def resolve_values(value, environment, keep_empty):
    """A list or mapping of KEY[=value] with the values missing taken from `environment`."""
    if isinstance(value, list):
        result = []
        for entry in value:
            entry = entry if isinstance(entry, str) else fmt.go_sprint(entry)
            if '=' not in entry:
                if entry in environment:
                    result.append('%s=%s' % (entry, environment[entry]))
                elif keep_empty:
                    result.append(entry)
                continue
            result.append(entry)
        return result
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if item is not None:
                result[key] = item
            elif key in environment:
                result[key] = environment[key]
            elif keep_empty:
                result[key] = None
        return result
    return value


def service_environment(name, service, project_env):
    """Resolve env_file and environment into one mapping (WithServicesEnvironmentResolved)."""
    env = _model.mapping(service.get('environment'), allow_null=True)
    for key, value in list(env.items()):
        if value is None and key in project_env:
            env[key] = project_env[key]
    from_files = {}
    where = 'services.%s.env_file' % name
    for entry in service.get('env_file') or []:
        path = entry.get('path')
        required = entry.get('required', True)
        if isinstance(required, str):
            try:
                required = to_bool(required)
            except ValueError as exc:
                raise ComposeError(str(exc), key=where) from exc
        if not os.path.exists(path):
            if required:
                raise ComposeError('env file %s not found' % path, key=where)
            continue
        if entry.get('format') not in (None, '', 'raw'):
            raise ComposeError('unsupported env_file format %s' % entry.get('format'), key=where)
        if entry.get('format') == 'raw':
            parsed = {}
            for line in _read_text(path).splitlines():
                if line.strip() and not line.lstrip().startswith('#'):
                    k, _sep, v = line.partition('=')
                    parsed[k] = v
        else:
            service_values = {k: v for k, v in env.items() if v is not None}
            parsed = _read_dotenv(path, tpl.mapping_lookup(project_env, service_values, from_files))
        from_files.update(parsed)
    result = dict(from_files)
    result.update(env)
    return result


def service_labels(name, service, project_env):
    """The service's labels with its ``label_file`` entries under them."""
    labels = _model.mapping(service.get('labels'))
    if not service.get('label_file'):
        return labels
    from_files = {}
    for path in service['label_file']:
        if not os.path.exists(path):
            raise ComposeError('label file %s not found' % path, key='services.%s.label_file' % name)
        from_files.update(_read_dotenv(path, tpl.mapping_lookup(project_env)))
    from_files.update(labels)
    return from_files
