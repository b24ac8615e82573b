# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compose file loader: files in, normalized model out (private to dockyard.azure).

Pure: reads the Compose files, env files, and the files that ``env_file``
points at; never talks to Docker or the network.  The model returned by
:func:`load_project`, the one entry point, has the structure and values that
``docker compose config --format json`` prints for the same input (compose v2,
compose-go v2), so that what we deploy is what Compose would deploy.

The steps live in package-internal files, in the order they run:

    _paths           default file names, ``~`` and relative paths
    _environment     ``.env`` files, service ``env_file`` / ``label_file``
    _files           documents of a file, ``extends``, ``include``; per file:
      _yaml            YAML with go-yaml v3 scalars, ``!reset`` / ``!override``
      _interpolation   ``${VAR}`` and compose-go's casts (_template does the syntax)
      _merge           override.Merge and EnforceUnicity
      _validation      the Compose JSON schema (_generated_compose_schema) and compose-go's checks
      _canonical       short syntaxes to their long form, defaults
    _normalize       project-level normalization (default network, implicit dependencies, names)
    _consistency     cross references, dependency cycles, profiles
    _model           the typed rendering of each service and resource (_formats parses the scalars)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _model
from ansible_collections.dockyard.azure.plugins.module_utils.compose._consistency import check_consistency, is_active
from ansible_collections.dockyard.azure.plugins.module_utils.compose._environment import (
    read_env_files,
    service_environment,
    service_labels,
)
from ansible_collections.dockyard.azure.plugins.module_utils.compose._files import ConfigFile, ProjectLoader, read_documents
from ansible_collections.dockyard.azure.plugins.module_utils.compose._interpolation import Interpolator
from ansible_collections.dockyard.azure.plugins.module_utils.compose._normalize import normalize
from ansible_collections.dockyard.azure.plugins.module_utils.compose._paths import Context, absolute, find_default_files
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import INLINE_NAME, ComposeError, ModelError

__all__ = ['ComposeError', 'load_project', 'normalize_project_name']


def normalize_project_name(name: str) -> str:
    """`name` reduced to what Compose accepts in a project name (lowercase letters, digits, - and _)."""
    name = ''.join(re.findall(r'[a-z0-9_-]', name.lower()))
    return name.lstrip('_-')


def _project_name_from_files(config_files, interpolate):
    name = ''
    for config_file in config_files:
        try:
            docs = read_documents(config_file)
        except ComposeError:
            break
        for raw, _resets, _overrides in docs:
            if isinstance(raw, dict) and isinstance(raw.get('name'), str) and raw['name']:
                name = raw['name']
    if name:
        name = interpolate({'name': name})['name']
    return normalize_project_name(name)


def load_project(project_dir: str | None = None, files: Sequence[str] | None = None,
                 content: Mapping[str, Any] | str | None = None, project_name: str | None = None,
                 env_files: Sequence[str] | None = None, environment: Mapping[str, Any] | None = None,
                 profiles: Sequence[str] | None = None, services: Sequence[str] | None = None) -> dict[str, Any]:
    """Load a Compose project and return its normalized model.

    :param project_dir: the project directory (relative paths, ``.env`` and the
        default file names are looked up there).  Defaults to the directory of
        the first file, or the current directory.
    :param files: Compose files, relative to ``project_dir``; merged in order.
        Defaults to ``COMPOSE_FILE`` from the environment, or to the first of
        compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml plus
        the first matching ``*.override.*`` file.
    :param content: an inline Compose definition (dict or YAML string) used
        instead of files.
    :param project_name: explicit project name (must already be normalized:
        lowercase letters, digits, ``-`` and ``_``).  Otherwise
        ``COMPOSE_PROJECT_NAME``, then the top-level ``name``, then the
        directory name.
    :param env_files: env files for interpolation, relative to ``project_dir``
        (each must exist).  Default: ``.env`` in ``project_dir`` if present.
    :param environment: the variables Compose would take from the shell; they
        win over env files.  ``None`` means ``os.environ``; pass a dict (even
        an empty one) to make the result independent of the caller's process
        (but for ``PWD``: when absent, it is the current directory, as in Compose).
    :param profiles: active profiles (``*`` enables all).  ``None`` means
        ``COMPOSE_PROFILES`` from the environment.
    :param services: restrict the model to these services and their
        dependencies (services named here are enabled even if their profile
        is not active).
    :returns: dict shaped like ``docker compose config --format json``.
    :raises ComposeError: for every invalid input.
    """
    if environment is None:
        environment = dict(os.environ)
    else:
        environment = {str(k): '' if v is None else str(v) for k, v in environment.items()}
    # Compose's shell always has a PWD: without one in the environment it takes its working directory
    # (the process's, not the project's), and that PWD wins over a .env one as any shell variable does.
    if 'PWD' not in environment:
        environment['PWD'] = os.getcwd()
    home = environment.get('HOME') or os.path.expanduser('~')
    ctx = Context(home)

    if project_dir is not None:
        workdir = os.path.abspath(ctx.expand_user(str(project_dir)))
    elif files:
        workdir = os.path.dirname(os.path.abspath(ctx.expand_user(str(files[0]))))
    else:
        workdir = os.getcwd()

    if env_files is None:
        default_env = os.path.join(workdir, '.env')
        env_paths = [default_env] if os.path.isfile(default_env) else []
    else:
        env_paths = [absolute(ctx, workdir, str(f)) for f in env_files]
    dotenv = read_env_files(env_paths, environment)
    project_env = dict(environment)
    for key, value in dotenv.items():
        project_env.setdefault(key, value)

    if content is not None:
        if isinstance(content, dict):
            config_files = [ConfigFile(INLINE_NAME, config=content)]
        else:
            config_files = [ConfigFile(INLINE_NAME, content=str(content))]
    else:
        if not files and project_env.get('COMPOSE_FILE'):
            separator = project_env.get('COMPOSE_PATH_SEPARATOR') or os.pathsep
            files = [f for f in project_env['COMPOSE_FILE'].split(separator) if f]
        if files:
            paths = [absolute(ctx, workdir, str(f)) for f in files]
            for path in paths:
                if not os.path.exists(path):
                    raise ComposeError('file not found: %s' % path, path)
        else:
            paths = find_default_files(workdir)
            if not paths:
                raise ComposeError('no configuration file provided: not found in %s' % workdir)
        config_files = [ConfigFile(p) for p in paths]

    if profiles is None:
        profiles = [p for p in (project_env.get('COMPOSE_PROFILES') or '').split(',') if p]
    profiles = [str(p) for p in profiles]

    # project name
    if project_name:
        name = str(project_name)
        if normalize_project_name(name) != name:
            raise ComposeError('invalid project name "%s": must consist only of lowercase alphanumeric '
                               'characters, hyphens, and underscores as well as start with a letter or number'
                               % name)
    elif project_env.get('COMPOSE_PROJECT_NAME'):
        name = project_env['COMPOSE_PROJECT_NAME']
        if normalize_project_name(name) != name:
            raise ComposeError('invalid project name "%s" (from COMPOSE_PROJECT_NAME)' % name)
    else:
        name = normalize_project_name(os.path.basename(workdir))
        from_files = _project_name_from_files(config_files, Interpolator(project_env, config_files[0].filename))
        if from_files:
            name = from_files
    project_env['COMPOSE_PROJECT_NAME'] = name

    loader = ProjectLoader(ctx)
    model = loader.load_model(config_files, project_env, workdir, workdir, [])
    if not model:
        raise ComposeError('empty compose file', config_files[0].filename)
    if not name:
        raise ComposeError('project name must not be empty')
    model['name'] = name
    model.setdefault('services', {})
    for sname, service in list(model['services'].items()):
        if service is None:
            service = model['services'][sname] = {}
    model = normalize(model, project_env)
    return _finish(model, project_env, profiles, services)


def _finish(model, project_env, profiles, selected):
    """The final model: consistency checks, services rendered, the selection applied, unused resources dropped."""
    all_services = model.get('services') or {}
    enabled = {n: s for n, s in all_services.items() if is_active(s, profiles)}
    disabled = {n: s for n, s in all_services.items() if n not in enabled}
    check_consistency(model, enabled, disabled)

    rendered = {}
    for name, service in all_services.items():
        service = dict(service)
        service['environment'] = service_environment(name, service, project_env)
        service['labels'] = service_labels(name, service, project_env)
        service.pop('env_file', None)
        service.pop('label_file', None)
        try:
            rendered[name] = _model.render_service(service)
        except ModelError as exc:
            raise ComposeError(str(exc), key='services.%s' % name) from exc

    # services selection, as the CLI does (enable named services, keep their dependencies)
    if selected:
        selected = [str(s) for s in selected]
        active_profiles = list(profiles)
        for sname in selected:
            if sname in enabled:
                continue
            if sname not in disabled:
                raise ComposeError('no such service: %s' % sname)
            active_profiles.extend(all_services[sname].get('profiles') or [])
        enabled = {n: s for n, s in all_services.items()
                   if n in selected or is_active(s, active_profiles)}
        keep = set()
        stack = list(selected)
        while stack:
            sname = stack.pop()
            if sname in keep:
                continue
            keep.add(sname)
            for dep, cfg in (all_services[sname].get('depends_on') or {}).items():
                if dep in enabled:
                    stack.append(dep)
                elif cfg.get('required', True):
                    raise ComposeError('service "%s" depends on undefined service "%s"' % (sname, dep))
        enabled = {n: s for n, s in enabled.items() if n in keep}

    out_services = {n: rendered[n] for n in enabled}
    result = {'name': model['name'], 'services': out_services}

    used_networks, used_volumes, used_secrets, used_configs = set(), set(), set(), set()
    for service in out_services.values():
        used_networks.update((service.get('networks') or {}).keys())
        for vol in service.get('volumes') or []:
            if vol.get('type') == 'volume' and vol.get('source'):
                used_volumes.add(vol['source'])
        for secret in service.get('secrets') or []:
            used_secrets.add(secret.get('source'))
        for secret in (service.get('build') or {}).get('secrets') or []:
            used_secrets.add(secret.get('source'))
        for config in service.get('configs') or []:
            used_configs.add(config.get('source'))

    for kind, used, struct in (('networks', used_networks, _model.NETWORK),
                               ('volumes', used_volumes, _model.VOLUME),
                               ('secrets', used_secrets, _model.SECRET),
                               ('configs', used_configs, _model.CONFIG)):
        resources = model.get(kind) or {}
        out = {}
        for rname in sorted(resources):
            if rname not in used:
                continue
            resource = resources[rname] or {}
            try:
                out[rname] = struct(resource)
            except ModelError as exc:
                raise ComposeError(str(exc), key='%s.%s' % (kind, rname)) from exc
            if kind == 'configs' and resource.get('environment') is not None:
                out[rname].pop('content', None)
        if out:
            result[kind] = out
    for key, value in model.items():
        if key.startswith('x-'):
            result[key] = value
    return result
