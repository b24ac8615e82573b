# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The managers of arm_deployment and arm_deployment_info (private to dockyard.azure).

ArmDeploymentManager, calls per run: what-if (POST + its status polls) and a GET of the deployment of
that name; then, only when what-if reports a change (or no successful deployment of this template and
these parameters is on record, which the fingerprint tag tells), the deployment PUT and its polls. Check
mode stops after the what-if: its changes are the plan. ArmDeploymentInfo: one GET or one listing,
plus one operations listing per deployment when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import (
    RestDict,
    get_path,
    list_rest,
    read_or_none,
    to_rest,
    validate_resource_group_name,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.deployments.changes import (
    diff,
    is_changing,
    mask,
    plain_outputs,
    summary,
    what_if_changes,
    what_if_failure,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.deployments.sources import (
    FINGERPRINT_TAG,
    DeploymentSource,
    check_name,
    default_name,
    load_source,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import (
    AzureModuleError,
    azure_error_details,
    azure_operation,
    format_azure_error,
    is_azure_sdk_error,
)

Hide = Callable[[set[str]], None]


class DeploymentInfo(TypedDict):
    """The documented return shape of a deployment."""

    id: str | None
    name: str | None
    location: str | None
    provisioning_state: str | None
    mode: str | None
    timestamp: str | None
    duration: str | None
    correlation_id: str | None
    parameters: dict[str, Any]
    outputs: dict[str, Any]
    output_resources: list[str]
    error: dict[str, Any] | None
    tags: dict[str, str]


class OperationInfo(TypedDict):
    """The documented return shape of a deployment operation."""

    operation_id: str | None
    provisioning_operation: str | None
    provisioning_state: str | None
    resource_id: str | None
    resource_type: str | None
    resource_name: str | None
    status_code: str | None
    timestamp: str | None
    duration: str | None
    error: dict[str, Any] | None


def deployment_to_dict(deployment: RestDict) -> DeploymentInfo:
    props = deployment.get('properties') or {}
    return DeploymentInfo(
        id=deployment.get('id'), name=deployment.get('name'), location=deployment.get('location'),
        provisioning_state=props.get('provisioningState'), mode=props.get('mode'), timestamp=props.get('timestamp'),
        duration=props.get('duration'), correlation_id=props.get('correlationId'),
        parameters={name: entry.get('value') for name, entry in (props.get('parameters') or {}).items()
                    if isinstance(entry, Mapping) and 'value' in entry},
        outputs=plain_outputs(props.get('outputs')),
        output_resources=[str(r.get('id')) for r in props.get('outputResources') or [] if isinstance(r, Mapping)],
        error=props.get('error'), tags=dict(deployment.get('tags') or {}))


def operation_to_dict(operation: RestDict) -> OperationInfo:
    props = operation.get('properties') or {}
    target = props.get('targetResource') or {}
    message = props.get('statusMessage')
    error = message.get('error') if isinstance(message, Mapping) else None
    return OperationInfo(
        operation_id=operation.get('operationId'), provisioning_operation=props.get('provisioningOperation'),
        provisioning_state=props.get('provisioningState'), resource_id=target.get('id'),
        resource_type=target.get('resourceType'), resource_name=target.get('resourceName'),
        status_code=props.get('statusCode'), timestamp=props.get('timestamp'), duration=props.get('duration'),
        error=error)


# The states ARM reports for a deployment (what provisioning_state can filter on); anything else would
# find nothing, or, with a quote, change the OData filter itself.
PROVISIONING_STATES = ('Accepted', 'Canceled', 'Created', 'Creating', 'Deleted', 'Deleting', 'Failed', 'NotSpecified',
                       'Ready', 'Running', 'Succeeded', 'Updating')


class _Scope:
    """The deployments API of one scope: a resource group, or the subscription itself (group None)."""

    def __init__(self, ctx: AzureContext, group: str | None) -> None:
        if group is not None:
            validate_resource_group_name(group)  # a name like 'a/b' would change the request path
        self.ctx, self.group = ctx, group

    @property
    def client(self) -> Any:
        return self.ctx.client('deployments')

    @property
    def where(self) -> str:
        return "resource group '%s'" % self.group if self.group else 'the subscription'

    def describe(self, name: str) -> str:
        return "deployment '%s' in %s" % (name, self.where)

    def get(self, name: str) -> RestDict | None:
        operations = self.client.deployments
        if self.group:
            return read_or_none(self.describe(name), operations.get, self.group, name)
        return read_or_none(self.describe(name), operations.get_at_subscription_scope, name)

    def list_all(self, state: str | None) -> list[RestDict]:
        operations = self.client.deployments
        query = {'filter': "provisioningState eq '%s'" % state} if state else {}
        if self.group:
            return list_rest('the deployments in ' + self.where, operations.list_by_resource_group, self.group, **query)
        return list_rest('the deployments in ' + self.where, operations.list_at_subscription_scope, **query)

    def operations(self, name: str) -> list[RestDict]:
        operations = self.client.deployment_operations
        if self.group:
            return list_rest('the operations of %s' % self.describe(name), operations.list, self.group, name)
        return list_rest('the operations of %s' % self.describe(name), operations.list_at_subscription_scope, name)

    def begin(self, verb: str, name: str, body: RestDict) -> Any:
        operations = self.client.deployments
        if self.group:
            return getattr(operations, 'begin_' + verb)(self.group, name, body)
        return getattr(operations, 'begin_%s_at_subscription_scope' % verb)(name, body)


class ArmDeploymentManager:
    """Deploys one template to a resource group (or the subscription) when what-if says it changes something."""

    def __init__(self, ctx: AzureContext, params: Mapping[str, Any], hide: Hide | None = None) -> None:
        self.ctx = ctx
        self.params = params
        self.hide = hide or (lambda values: None)
        self.scope = _Scope(ctx, params.get('resource_group'))

    def run(self) -> dict[str, Any]:
        source = load_source(self.params)
        secrets = source.secure_values()
        self.hide(secrets)
        name = check_name(self.params['name']) if self.params.get('name') else default_name(source)
        mode = 'Complete' if self.params.get('mode') == 'complete' else 'Incremental'
        self.check_scope(mode)
        what_if = self.what_if(source, name, mode)
        changes = what_if_changes(what_if)
        current = self.scope.get(name)
        fingerprint = source.fingerprint(mode)
        on_record = current is not None and get_path(current, 'properties', 'provisioningState') == 'Succeeded' and \
            (current.get('tags') or {}).get(FINGERPRINT_TAG) == fingerprint
        deploy = is_changing(changes) or not on_record
        result: dict[str, Any] = {
            'changed': deploy, 'name': name, 'changes': mask(changes, secrets), 'change_summary': summary(changes),
            'deployment': deployment_to_dict(current) if current else {},
            'outputs': plain_outputs(get_path(current, 'properties', 'outputs')) if on_record and current else {}}
        if self.ctx.diff:
            result['diff'] = mask(diff(what_if), secrets)
        if not deploy or self.ctx.check_mode:
            return result
        deployment = self.deploy(source, name, mode, fingerprint)
        result['deployment'] = deployment_to_dict(deployment)
        result['outputs'] = plain_outputs(get_path(deployment, 'properties', 'outputs'))
        return mask(result, secrets)

    def check_scope(self, mode: str) -> None:
        if self.scope.group:
            return
        if not self.params.get('location'):
            raise AzureModuleError('location is required for a deployment at subscription scope (no resource_group): '
                                   'ARM keeps the deployment data there.', option='location')
        if mode == 'Complete':
            raise AzureModuleError('mode=complete applies to a resource group; give resource_group, or use '
                                   'mode=incremental at subscription scope.', option='mode')

    def body(self, source: DeploymentSource, mode: str, **extra: Any) -> RestDict:
        body: RestDict = {'properties': {'template': source.template, 'parameters': source.parameters, 'mode': mode,
                                         **extra}}
        if not self.scope.group:
            body['location'] = self.params['location']
        return body

    def what_if(self, source: DeploymentSource, name: str, mode: str) -> RestDict:
        body = self.body(source, mode, whatIfSettings={'resultFormat': 'FullResourcePayloads'})
        with azure_operation('What-if of %s' % self.scope.describe(name)):
            result = to_rest(self.ctx.wait(self.scope.begin('what_if', name, body), 'the what-if of ' + name)) or {}
        failure = what_if_failure(result)
        if failure is not None:
            where = ' Template path: %s.' % failure['path'] if failure['path'] else ''
            raise AzureModuleError('%s: %s%s (template: %s)' % (failure['code'], failure['message'], where, source.origin),
                                   option='parameters' if 'parameter' in failure['message'].lower() else None,
                                   error_code=failure['code'], template_path=failure['path'])
        return result

    def deploy(self, source: DeploymentSource, name: str, mode: str, fingerprint: str) -> RestDict:
        body = self.body(source, mode)
        body['tags'] = {FINGERPRINT_TAG: fingerprint}
        with azure_operation('Could not start %s' % self.scope.describe(name)):
            poller = self.scope.begin('create_or_update', name, body)
        if not self.params.get('wait', True):
            return self.scope.get(name) or {}
        try:
            return to_rest(self.ctx.wait(poller, self.scope.describe(name))) or {}
        except Exception as exc:  # pylint: disable=broad-except
            if not is_azure_sdk_error(exc):
                raise
            failed = [op for op in (operation_to_dict(o) for o in self.safe_operations(name))
                      if op['provisioning_state'] == 'Failed']
            raise AzureModuleError(format_azure_error(exc, 'The %s failed' % self.scope.describe(name)),
                                   failed_operations=failed, **azure_error_details(exc)) from exc

    def safe_operations(self, name: str) -> list[RestDict]:
        try:
            return self.scope.operations(name)
        except AzureModuleError:
            return []            # the deployment's own error is what the user needs; the listing is a bonus


class ArmDeploymentInfo:
    """Reads deployments (one by name, or all of a scope) and, when asked, their operations."""

    def __init__(self, ctx: AzureContext, params: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.params = params
        self.scope = _Scope(ctx, params.get('resource_group'))
        if params.get('name'):
            check_name(params['name'])
        state = params.get('provisioning_state')
        if state is not None and state not in PROVISIONING_STATES:
            matches = [known for known in PROVISIONING_STATES if known.lower() == str(state).lower()]
            hint = " (did you mean '%s'?)" % matches[0] if matches else ''
            raise AzureModuleError("provisioning_state: '%s' is not a deployment state%s; one of %s."
                                   % (state, hint, ', '.join(PROVISIONING_STATES)), option='provisioning_state')

    def run(self) -> dict[str, Any]:
        name = self.params.get('name')
        if name:
            found = self.scope.get(name)
            deployments = [found] if found else []
        else:
            deployments = self.scope.list_all(self.params.get('provisioning_state'))
        result = []
        for deployment in deployments:
            entry: dict[str, Any] = dict(deployment_to_dict(deployment))
            if self.params.get('operations'):
                entry['operations'] = [operation_to_dict(o) for o in self.scope.operations(str(deployment.get('name')))]
            result.append(entry)
        return {'changed': False, 'deployments': result}
