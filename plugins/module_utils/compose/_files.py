# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading Compose files: documents, ``extends`` and ``include`` (private to dockyard.azure; internal to the Compose loader).

One file goes through: YAML documents -> string keys -> interpolation -> extends -> include ->
merge into the model -> schema -> canonical form. A list of files (a project, or the project an
``include`` imports) then gets its defaults, compose-go's checks and its paths resolved.
"""

from __future__ import annotations

import copy
import os
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _yaml
from ansible_collections.dockyard.azure.plugins.module_utils.compose._canonical import canonical, omit_empty, set_default_values
from ansible_collections.dockyard.azure.plugins.module_utils.compose._environment import read_env_files, resolve_environment
from ansible_collections.dockyard.azure.plugins.module_utils.compose._interpolation import Interpolator
from ansible_collections.dockyard.azure.plugins.module_utils.compose._merge import enforce_unicity, merge, merge_mappings
from ansible_collections.dockyard.azure.plugins.module_utils.compose._paths import Context, absolute, resolve_relative_paths
from ansible_collections.dockyard.azure.plugins.module_utils.compose._tree import key_text
from ansible_collections.dockyard.azure.plugins.module_utils.compose._validation import validate_model, validate_schema
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError, FormatError


class ConfigFile:
    """One source of Compose configuration: a file, YAML text (`content`) or a mapping (`config`).

    A plain class, not a dataclass: importing dataclasses (and the inspect module it needs) is about a
    fifth of the loader's import time in a process that only loads a project (compose_info, the loader
    benchmark).
    """

    __slots__ = ('filename', 'content', 'config')

    def __init__(self, filename: str, content: str | None = None, config: dict[str, Any] | None = None) -> None:
        self.filename = filename
        self.content = content
        self.config = config

    def __repr__(self) -> str:
        return 'ConfigFile(%r)' % self.filename


def _string_keys(value, path, filename):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ComposeError('non-string key %r' % (key,), filename, key_text(path) or None)
            out[key] = _string_keys(item, path + (key,), filename)
        return out
    if isinstance(value, list):
        return [_string_keys(v, path + (i,), filename) for i, v in enumerate(value)]
    return value


def read_documents(config_file: ConfigFile) -> list[tuple[Any, list, list]]:
    """Return a list of (raw, resets, overrides) for each document of a file."""
    if config_file.config is not None:
        return [(copy.deepcopy(config_file.config), [], [])]
    content = config_file.content
    if content is None:
        try:
            with open(config_file.filename, 'rb') as handle:
                content = handle.read().decode('utf-8')
        except OSError as exc:
            raise ComposeError('cannot read file: %s' % exc, config_file.filename) from exc
    try:
        documents = _yaml.load_documents(content)
    except FormatError as exc:
        raise ComposeError(exc.msg, config_file.filename) from exc
    result = []
    for doc in documents:
        resets: list[tuple] = []
        overrides: list[tuple] = []
        raw = _yaml.strip_tags(doc, (), resets, overrides)
        result.append((raw, resets, overrides))
    return result


def _delete_path(model, path):
    node = model
    for part in path[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return
    if isinstance(node, dict):
        node.pop(path[-1], None)


class ProjectLoader:
    """Loads the files of a project (and, recursively, what they extend and include) into one tree."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- one file -----------------------------------------------------------
    def load_file(self, config_file, environment, resource_dir, model, included,
                  skip_include=False, skip_extends=False, skip_validation=False):
        filename = config_file.filename
        interpolate = Interpolator(environment, filename)
        for raw, resets, overrides in read_documents(config_file):
            cfg = _string_keys(raw, (), filename)
            if not isinstance(cfg, dict):
                raise ComposeError('top-level object must be a mapping', filename)
            cfg = interpolate(cfg)
            removed = resets + overrides
            if not skip_extends:
                self.apply_extends(cfg, filename, environment, resource_dir, [], removed)
            for path in removed:
                _delete_path(model, path)
            if not skip_include:
                self.apply_include(cfg, filename, environment, resource_dir, included + [filename])
            try:
                model = merge_mappings(model, cfg, ())
                model = enforce_unicity(model)
            except ComposeError as exc:
                raise ComposeError(str(exc), filename) from exc
            if not skip_validation:
                validate_schema(model, filename)
                model.pop('version', None)
            try:
                model = canonical(model)
                model = omit_empty(model)
                model = enforce_unicity(model)
            except ComposeError as exc:
                if exc.file:
                    raise
                raise ComposeError(str(exc), filename) from exc
        return model

    # -- a list of files (a project or an included project) -----------------
    def load_model(self, config_files: list[ConfigFile], environment: dict[str, str], workdir: str,
                   resource_dir: str, included: list[str]) -> dict[str, Any]:
        model: dict[str, Any] = {}
        for config_file in config_files:
            model = self.load_file(config_file, environment, resource_dir, model, included)
        model = set_default_values(model)
        validate_model(model)
        resolve_relative_paths(self.ctx, model, workdir)
        resolve_environment(model, environment)
        return model

    # -- extends ------------------------------------------------------------
    def apply_extends(self, cfg, filename, environment, resource_dir, tracker, removed):
        services = cfg.get('services')
        if services is None:
            return
        if not isinstance(services, dict):
            raise ComposeError('services must be a mapping', filename)
        for name in list(services):
            services[name] = self.extend_service(name, services, filename, environment, resource_dir,
                                                 tracker, removed)

    def extend_service(self, name, services, filename, environment, resource_dir, tracker, removed):
        service = services.get(name)
        if service is None:
            return None
        if not isinstance(service, dict):
            raise ComposeError('must be a mapping', filename, 'services.%s' % name)
        if 'extends' not in service:
            return service
        extends = service['extends']
        if isinstance(extends, str):
            ref, other = extends, None
        elif isinstance(extends, dict):
            ref, other = extends.get('service'), extends.get('file')
        else:
            raise ComposeError('must be a string or a mapping', filename, 'services.%s.extends' % name)
        if not isinstance(ref, str):
            raise ComposeError('extends.service is required', filename, 'services.%s.extends' % name)
        ref_filename = filename
        base_dir = resource_dir
        if other is not None:
            ref_filename = absolute(self.ctx, resource_dir, str(other))
            if not os.path.isfile(ref_filename):
                raise ComposeError('cannot extend service "%s": file %s not found' % (name, ref_filename),
                                   filename, 'services.%s.extends' % name)
            base_dir = os.path.dirname(ref_filename)
            source = self.load_file(ConfigFile(ref_filename), environment, base_dir, {}, [],
                                    skip_include=True, skip_extends=True, skip_validation=True)
            base_services = source.get('services')
            if not isinstance(base_services, dict):
                raise ComposeError('cannot extend service "%s": no services section' % name, ref_filename)
            if ref not in base_services:
                raise ComposeError('cannot extend service "%s": service "%s" not found in %s'
                                   % (name, ref, ref_filename), filename, 'services.%s.extends' % name)
            resolve_relative_paths(self.ctx, source, base_dir)
            services_for_ref = base_services
        else:
            if ref not in services:
                raise ComposeError('cannot extend service "%s": service "%s" not found' % (name, ref),
                                   filename, 'services.%s.extends' % name)
            services_for_ref = services
        entry = (ref_filename, name)
        if entry in tracker:
            lines = ['Circular reference:', '  %s in %s' % (tracker[0][1], tracker[0][0])]
            for fname, sname in tracker[1:] + [entry]:
                lines.append('  extends %s in %s' % (sname, fname))
            raise ComposeError('\n'.join(lines), filename, 'services.%s.extends' % name)
        base = self.extend_service(ref, services_for_ref, ref_filename, environment, base_dir,
                                   tracker + [entry], [])
        if base is None:
            return service
        source = copy.deepcopy(base)
        wrapper = {'services': {name: source}}
        for path in removed:
            _delete_path(wrapper, path)
        try:
            merged = merge(source, service, ('services', name))
        except ComposeError as exc:
            raise ComposeError(str(exc), filename, 'services.%s' % name) from exc
        merged.pop('extends', None)
        services[name] = merged
        return merged

    # -- include ------------------------------------------------------------
    def apply_include(self, cfg, filename, environment, resource_dir, included):
        entries = cfg.pop('include', None)
        if entries is None:
            return
        if not isinstance(entries, list):
            raise ComposeError('must be a list', filename, 'include')
        for index, entry in enumerate(entries):
            where = 'include[%d]' % index
            if isinstance(entry, str):
                entry = {'path': [entry]}
            if not isinstance(entry, dict):
                raise ComposeError('must be a string or a mapping', filename, where)
            paths = entry.get('path')
            if isinstance(paths, str):
                paths = [paths]
            if not paths:
                raise ComposeError('path is required', filename, where)
            paths = [absolute(self.ctx, resource_dir, str(p)) for p in paths]
            for path in paths:
                if path in included:
                    chain = included + [path]
                    raise ComposeError('include cycle detected:\n%s\n include %s'
                                       % (chain[0], '\n include '.join(chain[1:])), filename, where)
                if not os.path.exists(path):
                    raise ComposeError('included file %s not found' % path, filename, where)
            project_dir = entry.get('project_directory')
            if project_dir is None:
                project_dir = os.path.dirname(paths[0])
            else:
                project_dir = absolute(self.ctx, resource_dir, str(project_dir))
            env_files = entry.get('env_file')
            if isinstance(env_files, str):
                env_files = [env_files]
            if not env_files:
                default = os.path.join(project_dir, '.env')
                env_files = [default] if os.path.isfile(default) else []
            else:
                env_files = [absolute(self.ctx, resource_dir, str(f)) for f in env_files if f != '/dev/null']
            from_files = read_env_files(env_files, environment)
            inc_env = dict(environment)
            for key, value in from_files.items():
                inc_env.setdefault(key, value)
            imported = self.load_model([ConfigFile(p) for p in paths], inc_env, project_dir,
                                       project_dir, included)
            for kind in ('services', 'volumes', 'networks', 'secrets', 'configs', 'models'):
                source = imported.get(kind)
                if not source:
                    continue
                target = cfg.get(kind)
                if target is None:
                    target = cfg[kind] = {}
                if not isinstance(target, dict):
                    raise ComposeError('must be a mapping', filename, kind)
                for name, value in source.items():
                    if name in target:
                        if target[name] != value:
                            raise ComposeError('%s.%s conflicts with imported resource' % (kind, name), filename)
                        continue
                    target[name] = value
