#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: arm_deployment_info
short_description: Get Azure Resource Manager template deployments and their operations
version_added: 0.1.0
description:
  - Get one deployment by name, or list the deployment history of a resource group (or of the subscription when
    O(resource_group) is not given), with outputs as plain values.
  - Optionally lists each deployment's operations (one per resource written or deleted), with the errors of the
    failed ones.
author:
  - dockyard.azure contributors (@dockyard)
options:
  resource_group:
    description:
      - The resource group whose deployments to read. If not given, the subscription's own deployments.
    type: str
  name:
    description:
      - Name of one deployment. If it does not exist, RV(deployments) is empty.
    type: str
  provisioning_state:
    description:
      - Without O(name), list only the deployments in this state (for example V(Failed)).
    type: str
  operations:
    description:
      - Also list each deployment's operations in RV(deployments[].operations) (one more API call per deployment).
    type: bool
    default: false
extends_documentation_fragment:
  - dockyard.azure.azure
  - dockyard.azure.azure.action_group
  - ansible.builtin.action_common_attributes
  - dockyard.azure.azure.info_module
attributes:
  platform:
    platforms: all
requirements:
  - azure-mgmt-resource-deployments >= 1 (or azure-mgmt-resource < 26)
seealso:
  - module: dockyard.azure.arm_deployment
"""

EXAMPLES = r"""
- name: The outputs of the last deployment of a template
  dockyard.azure.arm_deployment_info:
    resource_group: rg-web
    name: ansible-azuredeploy
  register: found

- name: Failed deployments of a group, with what failed
  dockyard.azure.arm_deployment_info:
    resource_group: rg-web
    provisioning_state: Failed
    operations: true
  register: failed
"""

RETURN = r"""
deployments:
  description: The deployments found (the history order of the scope).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource ID of the deployment.
      type: str
    name:
      description: Name of the deployment.
      type: str
    provisioning_state:
      description: V(Succeeded), V(Failed), V(Canceled), V(Accepted) or V(Running).
      type: str
    mode:
      description: V(Incremental) or V(Complete).
      type: str
    timestamp:
      description: When the deployment last changed state.
      type: str
    duration:
      description: How long it ran (ISO 8601).
      type: str
    correlation_id:
      description: ARM's correlation ID.
      type: str
    parameters:
      description: Parameter values on record (secure ones are never returned by ARM).
      type: dict
    outputs:
      description: Outputs as plain values.
      type: dict
      sample: {"hostname": "web01.westeurope.cloudapp.azure.com"}
    output_resources:
      description: IDs of the resources the deployment created or updated.
      type: list
      elements: str
    error:
      description: ARM's error of a failed deployment.
      type: dict
    tags:
      description: Tags of the deployment.
      type: dict
    location:
      description: Where a subscription-scope deployment is kept.
      type: str
    operations:
      description: With O(operations=true), the deployment's operations.
      type: list
      elements: dict
      contains:
        operation_id:
          description: ID of the operation.
          type: str
        provisioning_operation:
          description: V(Create), V(Delete), V(EvaluateDeploymentOutput) ...
          type: str
        provisioning_state:
          description: V(Succeeded), V(Failed), V(Running) ...
          type: str
        resource_id:
          description: The resource the operation wrote.
          type: str
        resource_type:
          description: Its type.
          type: str
        resource_name:
          description: Its name.
          type: str
        status_code:
          description: The HTTP status as ARM names it (V(OK), V(BadRequest) ...).
          type: str
        timestamp:
          description: When the operation finished.
          type: str
        duration:
          description: How long it took (ISO 8601).
          type: str
        error:
          description: The resource provider's error, for a failed operation.
          type: dict
"""

from ansible_collections.dockyard.azure.plugins.module_utils.azure.deployments.manager import ArmDeploymentInfo
from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule

ARGUMENT_SPEC = dict(
    resource_group=dict(type='str'),
    name=dict(type='str'),
    provisioning_state=dict(type='str'),
    operations=dict(type='bool', default=False),
)


def main():
    module = AzureModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with module.errors():
        result = ArmDeploymentInfo(module.context(), module.params).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
