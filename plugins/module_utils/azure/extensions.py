# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VM extensions (private to dockyard.azure): desired state -> read actual (with instance view) -> diff -> apply, and failures.

ExtensionManager gets an AzureContext and the extension's spec; the vm_extension module and the
Docker installation (docker_extension.py) both run on it.

Protected settings: Azure accepts them but never returns them, so they cannot be compared with what
is deployed. The manager stores a salted, slow hash of them in the extension's own tag
``dockyard-protected-settings-hash`` and compares that:
``pbkdf2-sha256$<iterations>$<hex>`` = PBKDF2-HMAC-SHA256 over the canonical JSON of the protected
settings (sorted keys, no spaces), salted with the VM's unique ``vmId`` and the extension name, so
equal secrets on different VMs or extensions do not hash alike and a leaked tag is costly to guess from.

Calls per run: VM GET; extension GET (expand=instanceView); then at most one write (PUT, or PATCH
when protected settings are not given for an existing extension, so Azure keeps them) and, after a
failed write, one more extension GET for the instance view.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import (
    RestDict,
    get_path,
    lower,
    read_or_none,
    validate_resource_group_name,
    validate_resource_name,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import (
    AzureModuleError,
    AzureTimeoutError,
    azure_operation,
)
from ansible_collections.dockyard.azure.plugins.module_utils.diff import DifferenceTracker

HASH_TAG = 'dockyard-protected-settings-hash'
HASH_ITERATIONS = 100000
HASH_SCHEME = 'pbkdf2-sha256'

PROTECTED_UNCHANGED = '(hidden, unchanged)'
PROTECTED_CHANGED = '(hidden, changed)'
PROTECTED_SET = '(hidden)'
PROTECTED_UNKNOWN = '(hidden, not recorded)'

# The Linux Custom Script 2.x handler puts '[stdout]\n...\n[stderr]\n...' into its status message;
# the Windows Custom Script extension reports output as substatuses with these codes.
STDOUT_CODE = re.compile(r'^ComponentStatus/StdOut/', re.IGNORECASE)
STDERR_CODE = re.compile(r'^ComponentStatus/StdErr/', re.IGNORECASE)
LINUX_OUTPUT = re.compile(r'\[stdout\]\n?(?P<stdout>.*?)\n?\[stderr\]\n?(?P<stderr>.*)\Z', re.DOTALL)

MAX_OUTPUT_IN_MESSAGE = 2000

COMPARED_FIELDS = ('publisher', 'type', 'type_handler_version', 'auto_upgrade_minor_version',
                   'enable_automatic_upgrade', 'force_update_tag', 'settings')

REST_NAMES = {
    'publisher': 'publisher',
    'type': 'type',
    'type_handler_version': 'typeHandlerVersion',
    'auto_upgrade_minor_version': 'autoUpgradeMinorVersion',
    'enable_automatic_upgrade': 'enableAutomaticUpgrade',
    'force_update_tag': 'forceUpdateTag',
    'settings': 'settings',
}


class ExtensionFailed(AzureModuleError):
    """The extension reported a failure; `extra` carries status, stdout and stderr."""


# ---------------------------------------------------------------------------- hashing


def canonical_json(value: Any) -> str:
    """The one JSON text of `value`: sorted keys, no whitespace, non-ASCII kept as escapes."""
    return json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=True)


def hash_salt(vm: RestDict | None, extension_name: str) -> bytes:
    """Per-VM, per-extension salt: the VM's unique vmId (or, without one, its resource ID) and the name."""
    vm_key = get_path(vm, 'properties', 'vmId') or (vm or {}).get('id') or ''
    return ('dockyard-extension:%s:%s' % (str(vm_key).lower(), str(extension_name).lower())).encode('utf-8')


def protected_settings_hash(protected_settings: Any, salt: bytes, iterations: int = HASH_ITERATIONS) -> str:
    """'pbkdf2-sha256$<iterations>$<hex>' of the canonical JSON of `protected_settings`."""
    digest = hashlib.pbkdf2_hmac('sha256', canonical_json(protected_settings).encode('utf-8'), salt, iterations)
    return '%s$%d$%s' % (HASH_SCHEME, iterations, digest.hex())


def hash_matches(recorded: Any, protected_settings: Any, salt: bytes) -> bool:
    """Whether the tag value `recorded` is the hash of `protected_settings` (any iteration count we wrote)."""
    if not recorded or not isinstance(recorded, str):
        return False
    parts = recorded.split('$')
    if len(parts) != 3 or parts[0] != HASH_SCHEME or not parts[1].isdigit():
        return False
    iterations = int(parts[1])
    if not 1 <= iterations <= 10000000:
        return False
    return protected_settings_hash(protected_settings, salt, iterations) == recorded


# ---------------------------------------------------------------------------- reading


def extension_to_dict(rest: RestDict | None) -> dict[str, Any]:
    """A REST extension (as returned by GET) as the module's result dict; never any protected settings."""
    if not rest:
        return {}
    props = rest.get('properties') or {}
    result = dict(
        id=rest.get('id'),
        name=rest.get('name'),
        location=rest.get('location'),
        publisher=props.get('publisher'),
        type=props.get('type'),
        type_handler_version=props.get('typeHandlerVersion'),
        auto_upgrade_minor_version=props.get('autoUpgradeMinorVersion'),
        enable_automatic_upgrade=props.get('enableAutomaticUpgrade'),
        force_update_tag=props.get('forceUpdateTag'),
        settings=props.get('settings') or {},
        provisioning_state=props.get('provisioningState'),
        tags=dict(rest.get('tags') or {}),
        protected_settings_hash=(rest.get('tags') or {}).get(HASH_TAG),
    )
    view = props.get('instanceView')
    result['instance_view'] = instance_view_summary(view) if view else None
    return result


class ScriptOutput(NamedTuple):
    """A Linux Custom Script status message split into its own text and the script's output sections."""

    text: str | None
    stdout: str | None
    stderr: str | None


class ExtensionPlan(NamedTuple):
    """What a run should write: the compared fields' values, the protected-settings hash tag (or None), whether to write."""

    desired: dict[str, Any]
    new_hash: str | None
    needs_write: bool


def _status_dict(status: RestDict) -> dict[str, Any]:
    return dict(code=status.get('code'), level=status.get('level'), display_status=status.get('displayStatus'),
                message=status.get('message'), time=status.get('time'))


def _split_linux_output(message: str | None) -> ScriptOutput:
    """The text before the output, stdout and stderr of a Linux Custom Script status message."""
    if not message:
        return ScriptOutput(message, None, None)
    index = message.find('[stdout]')
    if index < 0:
        return ScriptOutput(message, None, None)
    match = LINUX_OUTPUT.search(message[index:])
    if not match:
        return ScriptOutput(message, message[index + len('[stdout]'):].strip('\n'), None)
    return ScriptOutput(message[:index].rstrip(), match.group('stdout'), match.group('stderr'))


def instance_view_summary(view: RestDict | None) -> dict[str, Any]:
    """The instance view as a dict: statuses, substatuses, and the script output found in either.

    stdout/stderr come from the substatuses 'ComponentStatus/StdOut/<state>' and
    'ComponentStatus/StdErr/<state>' when present, else from the '[stdout]' / '[stderr]'
    sections of the first status message (Linux Custom Script 2.x).
    """
    view = view or {}
    statuses = [_status_dict(item) for item in view.get('statuses') or []]
    substatuses = [_status_dict(item) for item in view.get('substatuses') or []]
    stdout = stderr = None
    for item in substatuses:
        if STDOUT_CODE.match(item['code'] or ''):
            stdout = item['message'] or ''
        elif STDERR_CODE.match(item['code'] or ''):
            stderr = item['message'] or ''
    message = statuses[0]['message'] if statuses else None
    if stdout is None and stderr is None and message:
        output = _split_linux_output(message)
        stdout, stderr = output.stdout, output.stderr
    return dict(statuses=statuses, substatuses=substatuses, stdout=stdout, stderr=stderr)


def _is_error_status(status: dict[str, Any]) -> bool:
    code = (status.get('code') or '').lower()
    return (status.get('level') or '').lower() == 'error' or code.endswith('/failed') or code.endswith('/error')


def _tail(text: str | None, limit: int = MAX_OUTPUT_IN_MESSAGE) -> str:
    text = (text or '').rstrip()
    if len(text) <= limit:
        return text
    return '...' + text[-limit:]


def extension_failure(rest: RestDict | None, name: str | None = None) -> ExtensionFailed | None:
    """None if the extension did not fail, else an ExtensionFailed with its own message and output."""
    if not rest:
        return None
    props = rest.get('properties') or {}
    summary = instance_view_summary(props.get('instanceView'))
    failed_statuses = [item for item in summary['statuses'] if _is_error_status(item)]
    failed = (props.get('provisioningState') or '').lower() == 'failed' or bool(failed_statuses)
    if not failed:
        return None
    status = (failed_statuses or summary['statuses'] or [{}])[0]
    own = status.get('message') or status.get('display_status') or status.get('code') or 'no status message'
    if summary['stdout'] is not None or summary['stderr'] is not None:
        own = _split_linux_output(own).text or own
    parts = ["Extension '%s' failed (provisioningState %s): %s"
             % (name or rest.get('name'), props.get('provisioningState') or 'unknown', ' '.join(str(own).split()))]
    if summary['stdout']:
        parts.append('stdout:\n' + _tail(summary['stdout']))
    if summary['stderr']:
        parts.append('stderr:\n' + _tail(summary['stderr']))
    return ExtensionFailed('\n'.join(parts), status=status, stdout=summary['stdout'], stderr=summary['stderr'],
                           provisioning_state=props.get('provisioningState'))


# ---------------------------------------------------------------------------- desired state


def validate_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Refuse bad input before any call; returns the spec. Raises AzureModuleError naming the option."""
    validate_resource_group_name(spec.get('resource_group'))
    validate_resource_name(spec.get('vm_name'), 'vm_name', 'VM')
    validate_resource_name(spec.get('name'), 'name', 'extension')
    for option in ('publisher', 'type', 'type_handler_version'):
        if spec.get(option) is not None and not str(spec[option]).strip():
            raise AzureModuleError('%s must not be empty.' % option, option=option)
    version = spec.get('type_handler_version')
    if version is not None and not re.match(r'^\d+(\.\d+){0,3}$', str(version)):
        raise AzureModuleError("type_handler_version must be a version like '2.1', got '%s'." % version,
                               option='type_handler_version')
    for option in ('settings', 'protected_settings'):
        value = spec.get(option)
        if value is not None and not isinstance(value, dict):
            raise AzureModuleError('%s must be a dictionary.' % option, option=option)
        if value is not None:
            try:
                canonical_json(value)
            except (TypeError, ValueError) as exc:
                raise AzureModuleError('%s must be JSON-serialisable: %s' % (option, exc), option=option) from exc
    return spec


def public_body(body: RestDict, name: str, resource_id: str | None = None) -> RestDict:
    """A request body as a REST extension without its protected settings (check mode, no-wait results)."""
    props = {key: value for key, value in body['properties'].items() if key != 'protectedSettings'}
    return dict(body, id=resource_id, name=name, properties=props)


def new_force_update_tag() -> str:
    return 'dockyard-%d' % int(time.time() * 1000)


class ExtensionManager:
    """Converges one VM extension.

    `spec` keys: name, vm_name, resource_group, state, publisher, type, type_handler_version, settings,
    protected_settings, auto_upgrade_minor_version, enable_automatic_upgrade, force_update_tag, wait,
    and `rerun` (bool: run the handler again with a new force-update tag even when nothing differs).
    Options that are None are not compared and, on an existing extension, keep their value.
    """

    def __init__(self, ctx: AzureContext, spec: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.spec = validate_spec(dict(spec))
        self.name: str = spec['name']
        self.vm_name: str = spec['vm_name']
        self.resource_group: str = spec['resource_group']
        self.tracker = DifferenceTracker()
        self.vm: RestDict | None = None
        self.wrote = False
        self.config_changed = False

    @property
    def compute(self) -> Any:
        return self.ctx.client('compute')

    # ------------------------------------------------------------------ reads

    def _what(self) -> str:
        return "extension '%s' of VM '%s' in resource group '%s'" % (self.name, self.vm_name, self.resource_group)

    def get_vm(self) -> RestDict | None:
        return read_or_none("VM '%s' in resource group '%s'" % (self.vm_name, self.resource_group),
                            self.compute.virtual_machines.get, self.resource_group, self.vm_name)

    def get_extension(self) -> RestDict | None:
        return read_or_none(self._what(), self.compute.virtual_machine_extensions.get,
                            self.resource_group, self.vm_name, self.name, expand='instanceView')

    # ------------------------------------------------------------------ plan

    def desired_values(self, current: RestDict | None) -> dict[str, Any]:
        """The compared fields as they should be: option values, else the current ones (or creation defaults)."""
        props = (current or {}).get('properties') or {}
        defaults = dict(auto_upgrade_minor_version=True, settings={}) if current is None else {}
        desired = {}
        for field in COMPARED_FIELDS:
            value = self.spec.get(field)
            if value is None:
                value = props.get(REST_NAMES[field]) if current is not None else defaults.get(field)
                if field == 'settings' and current is not None:
                    value = value or {}
            desired[field] = value
        return desired

    def plan(self, current: RestDict | None) -> ExtensionPlan:
        """Fill the tracker; returns (desired field values, desired hash tag or None, needs_write)."""
        salt = hash_salt(self.vm, self.name)
        protected = self.spec.get('protected_settings')
        desired = self.desired_values(current)
        actual = extension_to_dict(current) if current else {}
        for field in COMPARED_FIELDS:
            before = actual.get(field) if current else None
            after = desired[field]
            if field in ('publisher', 'type'):
                differs = lower(before) != lower(after)
            else:
                differs = before != after
            if current is None:
                differs = after is not None
            self.tracker.add(field, before, after, changed=differs)
        new_hash = None
        if protected is not None:
            recorded = actual.get('protected_settings_hash') if current else None
            same = current is not None and hash_matches(recorded, protected, salt)
            new_hash = recorded if same else protected_settings_hash(protected, salt)
            if current is None:
                self.tracker.add('protected_settings', None, PROTECTED_SET, changed=True)
            elif same:
                self.tracker.add('protected_settings', PROTECTED_UNCHANGED, PROTECTED_UNCHANGED, changed=False)
            else:
                before = PROTECTED_SET if recorded else PROTECTED_UNKNOWN
                self.tracker.add('protected_settings', before, PROTECTED_CHANGED, changed=True)
        self.config_changed = self.tracker.changed
        needs_write = self.tracker.changed
        state = get_path(current, 'properties', 'provisioningState')
        rerun = (state or '').lower() == 'failed' or self.spec.get('rerun')
        if current is not None and self.spec.get('force_update_tag') is None and rerun:
            # Azure runs the handler again only when the settings or the force-update tag change.
            desired['force_update_tag'] = new_force_update_tag()
            self.tracker.add('force_update_tag', actual.get('force_update_tag'), desired['force_update_tag'], changed=True)
            needs_write = True
        return ExtensionPlan(desired, new_hash, needs_write)

    def _body(self, current: RestDict | None, desired: dict[str, Any], new_hash: str | None, location: str | None) -> RestDict:
        tags = dict((current or {}).get('tags') or {})
        if new_hash is not None:
            tags[HASH_TAG] = new_hash
        props = {REST_NAMES[field]: desired[field] for field in COMPARED_FIELDS if desired[field] is not None}
        if self.spec.get('protected_settings') is not None:
            props['protectedSettings'] = self.spec['protected_settings']
        return {'location': location, 'tags': tags, 'properties': props}

    # ------------------------------------------------------------------ apply

    def run(self) -> dict[str, Any]:
        self.vm = self.get_vm()
        if self.vm is None:
            if self.spec.get('state') == 'absent':
                return self._result(False, None, before_exists=False, after_exists=False)
            raise AzureModuleError("vm_name: VM '%s' does not exist in resource group '%s'; create it first."
                                   % (self.vm_name, self.resource_group), option='vm_name')
        current = self.get_extension()
        if self.spec.get('state') == 'absent':
            return self.ensure_absent(current)
        return self.ensure_present(current)

    def ensure_absent(self, current: RestDict | None) -> dict[str, Any]:
        if current is None:
            return self._result(False, None, before_exists=False, after_exists=False)
        for field in COMPARED_FIELDS:
            self.tracker.add(field, extension_to_dict(current).get(field), None)
        if not self.ctx.check_mode:
            with azure_operation('Could not delete ' + self._what()):
                poller = self.compute.virtual_machine_extensions.begin_delete(self.resource_group, self.vm_name, self.name)
                self.wrote = True
                if self.spec.get('wait', True):
                    self.ctx.wait(poller, 'deletion of ' + self._what())
        return self._result(True, None, before_exists=True, after_exists=False)

    def ensure_present(self, current: RestDict | None) -> dict[str, Any]:
        if current is None:
            for option in ('publisher', 'type', 'type_handler_version'):
                if not self.spec.get(option):
                    raise AzureModuleError('%s is required to create %s.' % (option, self._what()), option=option)
        desired, new_hash, needs_write = self.plan(current)
        if not needs_write:
            failure = extension_failure(current, self.name)
            if failure is not None:
                raise failure
            return self._result(False, current, before_exists=True, after_exists=True)
        location = (current or {}).get('location') or (self.vm or {}).get('location')
        body = self._body(current, desired, new_hash, location)
        if self.ctx.check_mode:
            predicted = public_body(body, self.name, (current or {}).get('id'))
            return self._result(True, predicted, before_exists=current is not None, after_exists=True)
        result = self.write(current, body)
        return self._result(True, result, before_exists=current is not None, after_exists=True)

    def write(self, current: RestDict | None, body: RestDict) -> RestDict | None:
        operation = ('creation of ' if current is None else 'update of ') + self._what()
        compute = self.compute.virtual_machine_extensions
        try:
            with azure_operation('Could not write ' + self._what()):
                if current is not None and 'protectedSettings' not in body['properties']:
                    # A PUT without protectedSettings would drop them: PATCH what we manage instead.
                    patch = {'tags': body['tags'], 'properties': body['properties']}
                    poller = compute.begin_update(self.resource_group, self.vm_name, self.name, patch)
                else:
                    poller = compute.begin_create_or_update(self.resource_group, self.vm_name, self.name, body)
                self.wrote = True
                if not self.spec.get('wait', True):
                    return self.get_extension() or public_body(body, self.name)
                self.ctx.wait(poller, operation)
        except AzureTimeoutError:
            raise
        except AzureModuleError as exc:
            # A Failed provisioning state fails the LRO: report the extension's own status and output.
            if self.wrote:
                failure = extension_failure(self.get_extension(), self.name)
                if failure is not None:
                    raise failure from exc
            raise
        after = self.get_extension()
        failure = extension_failure(after, self.name)
        if failure is not None:
            raise failure
        return after

    def _result(self, changed: bool, rest: RestDict | None, before_exists: bool, after_exists: bool) -> dict[str, Any]:
        extension = extension_to_dict(rest) if rest else {}
        result = dict(changed=changed, extension=extension)
        if self.ctx.diff:
            result['diff'] = self.tracker.diff(before_exists=before_exists, after_exists=after_exists)
        return result
