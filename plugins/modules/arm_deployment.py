#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: arm_deployment
short_description: Deploy an Azure Resource Manager template, with Azure's what-if as the plan
version_added: 0.1.0
description:
  - Deploys an ARM template (JSON, for example a quickstart's C(azuredeploy.json) or what C(bicep build)
    produced) to a resource group, or to the subscription when O(resource_group) is not given.
  - Every run first asks Azure's what-if which resources the template would create, modify or delete.
    When nothing changes, and this template with these parameters is already on record as a successful
    deployment of that name, the task reports C(changed=false) and sends no deployment.
  - In check mode the task stops after what-if and returns its changes (RV(changes)), so a playbook run with
    C(--check) is a plan of the template change, for example as a pull-request gate.
  - With C(--diff), shows per resource what what-if predicts it to be before and after.
  - Secure parameters (template parameters of type C(securestring) or C(secureobject), and everything in
    O(secure_parameters)) are hidden from the results, the diff and the logs.
author:
  - dockyard.azure contributors (@dockyard)
options:
  resource_group:
    description:
      - The resource group to deploy to. It must exist.
      - If not given, the deployment runs at subscription scope (for example a template that creates resource
        groups) and O(location) is required.
    type: str
  location:
    description:
      - Where ARM keeps the data of a subscription-scope deployment. Required without O(resource_group);
        ignored with it (a group deployment lives in its group).
    type: str
  name:
    description:
      - Name of the deployment in the deployment history (up to 64 letters, digits, hyphens, underscores, periods
        and parentheses).
      - Defaults to C(ansible-) followed by the template file's name without extension (the same default as
        C(az deployment group create), marked as ours), or C(ansible-inline-) and a digest of an inline template,
        so every run of the same task uses the same name.
    type: str
  template:
    description:
      - The template itself, as a dict (or JSON text).
      - Exactly one of O(template) and O(template_file) is required.
    type: raw
  template_file:
    description:
      - Path of the template (JSON; C(//) and C(/* */) comments allowed) on the host that runs the module.
      - A Bicep file must be compiled first (C(bicep build main.bicep) writes C(main.json)).
      - Linked templates (C(templateLink) in nested deployments) are downloaded by Azure, not by this module.
    type: path
  parameters:
    description:
      - Template parameter values, by name. A value may be given plainly (V(Standard_LRS)) or in ARM's form,
        a dict with the key C(value) (or a Key Vault C(reference)).
      - Values given here override those of O(parameters_file).
      - Values of parameters the template declares as C(securestring) or C(secureobject) are hidden from the
        output; pass secrets in O(secure_parameters) to keep them out of the task's logged arguments too.
    type: dict
    default: {}
  parameters_file:
    description:
      - Path of a parameters file (C(azuredeploy.parameters.json) with its C(parameters) object, or a plain JSON
        object of names to values).
    type: path
  secure_parameters:
    description:
      - Template parameter values, like O(parameters), that are never logged nor returned (use this for passwords,
        keys and tokens). They override O(parameters) and O(parameters_file).
    type: dict
    default: {}
  mode:
    description:
      - V(incremental) leaves resources of the group that the template does not mention alone.
      - V(complete) deletes them (what-if lists them as V(Delete) first). Only with O(resource_group).
    type: str
    choices: [incremental, complete]
    default: incremental
  wait:
    description:
      - Wait for the deployment to finish (up to O(timeout) seconds) and return its outputs.
      - When V(false), the task returns once Azure has accepted the deployment; RV(outputs) is then empty.
    type: bool
    default: true
extends_documentation_fragment:
  - dockyard.azure.azure
  - dockyard.azure.azure.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Runs what-if only; RV(changes) lists what the deployment would do. No deployment is sent.
  diff_mode:
    support: full
    details: Per changing resource, the before and after predicted by what-if (only the changing properties of a
      modified resource).
  platform:
    platforms: all
notes:
  - A deployment that fails reports ARM's C(DeploymentFailed) with each failed resource's error, and lists the failed
    deployment operations in RV(failed_operations).
  - A template or parameters that ARM refuses (C(InvalidTemplate), a missing parameter, a value outside
    C(allowedValues), a dependency cycle, a reference to a missing resource) fail at the what-if, before anything
    is written; the message gives ARM's code and the template path.
  - The retired Docker VM extension (C(Microsoft.Azure.Extensions/DockerExtension)) fails on Azure, and on the
    emulator, with C(ArtifactNotFound); use M(dockyard.azure.docker_extension), or the Custom Script extension in
    the template.
requirements:
  - azure-mgmt-resource-deployments >= 1 (or azure-mgmt-resource < 26)
seealso:
  - module: dockyard.azure.arm_deployment_info
  - name: What-if in the ARM documentation
    description: The change types and what they mean.
    link: https://learn.microsoft.com/azure/azure-resource-manager/templates/deploy-what-if
"""

EXAMPLES = r"""
- name: Deploy a quickstart template with its parameters file
  dockyard.azure.arm_deployment:
    resource_group: rg-web
    template_file: files/vm-simple-linux/azuredeploy.json
    parameters_file: files/vm-simple-linux/azuredeploy.parameters.json
    parameters:
      vmName: web01
    secure_parameters:
      adminPasswordOrKey: "{{ lookup('file', '~/.ssh/id_ed25519.pub') }}"
  register: web

- name: Use an output in a later task
  ansible.builtin.add_host:
    name: web01
    ansible_host: "{{ web.outputs.hostname }}"

- name: What would this change? (check mode answers with what-if)
  dockyard.azure.arm_deployment:
    resource_group: rg-web
    template_file: files/network.json
  check_mode: true
  register: plan

- name: Fail a pull request that would delete something
  ansible.builtin.assert:
    that: plan.change_summary.Delete | default(0) == 0

- name: Inline template, complete mode (deletes what the template no longer has)
  dockyard.azure.arm_deployment:
    resource_group: rg-net
    mode: complete
    template:
      $schema: https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#
      contentVersion: 1.0.0.0
      resources:
        - type: Microsoft.Network/virtualNetworks
          apiVersion: "2023-09-01"
          name: vnet1
          location: "[resourceGroup().location]"
          properties:
            addressSpace:
              addressPrefixes: [10.10.0.0/16]

- name: Subscription scope (a template that creates resource groups)
  dockyard.azure.arm_deployment:
    location: westeurope
    template_file: files/create-rg.json
    parameters:
      rgName: rg-created-by-template
"""

RETURN = r"""
name:
  description: Name of the deployment.
  returned: always
  type: str
  sample: ansible-azuredeploy
changes:
  description:
    - What-if's changes, one per resource, sorted by resource ID; the same list in check mode and in a real run.
  returned: always
  type: list
  elements: dict
  contains:
    resource_id:
      description: The resource's ID.
      type: str
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web/providers/Microsoft.Network/virtualNetworks/vNet
    change_type:
      description: V(Create), V(Delete), V(Modify), V(Deploy), V(NoChange), V(Ignore) or V(Unsupported).
      type: str
      sample: Create
    delta:
      description: For V(Modify), the changing properties (C(path), C(change_type), C(before), C(after)).
      type: list
      elements: dict
      sample: [{"path": "tags.env", "change_type": "Create", "before": null, "after": "prod"}]
change_summary:
  description: How many resources per change type.
  returned: always
  type: dict
  sample: {"Create": 6}
outputs:
  description:
    - The template's outputs as plain values (secure outputs, which ARM does not return, are left out).
    - After an unchanged run, the outputs of the deployment on record. Empty in check mode when the deployment
      would run, and with O(wait=false).
  returned: always
  type: dict
  sample: {"hostname": "web01.westeurope.cloudapp.azure.com"}
deployment:
  description: The deployment after the task (before it, in check mode); empty if there is none.
  returned: always
  type: dict
  contains:
    id:
      description: Resource ID of the deployment.
      type: str
    name:
      description: Name of the deployment.
      type: str
    provisioning_state:
      description: V(Succeeded), V(Failed), V(Canceled), or V(Accepted)/V(Running) with O(wait=false).
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
      description: ARM's correlation ID (what Azure support asks for).
      type: str
    parameters:
      description: The parameter values on record (secure ones left out).
      type: dict
    outputs:
      description: The outputs as plain values.
      type: dict
    output_resources:
      description: IDs of the resources the deployment created or updated.
      type: list
      elements: str
    error:
      description: ARM's error of a failed deployment.
      type: dict
    tags:
      description: Tags of the deployment (this module keeps a fingerprint of the template and parameters there).
      type: dict
    location:
      description: Where a subscription-scope deployment is kept.
      type: str
failed_operations:
  description: The failed deployment operations of a failed deployment, each with its resource and ARM error.
  returned: when the deployment failed
  type: list
  elements: dict
"""

from ansible_collections.dockyard.azure.plugins.module_utils.azure.deployments.manager import ArmDeploymentManager
from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule

ARGUMENT_SPEC = dict(
    resource_group=dict(type='str'),
    location=dict(type='str'),
    name=dict(type='str'),
    template=dict(type='raw'),
    template_file=dict(type='path'),
    parameters=dict(type='dict', default={}),
    parameters_file=dict(type='path'),
    secure_parameters=dict(type='dict', default={}, no_log=True),
    mode=dict(type='str', default='incremental', choices=['incremental', 'complete']),
    wait=dict(type='bool', default=True),
)


def main():
    module = AzureModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                         mutually_exclusive=[('template', 'template_file')], required_one_of=[('template', 'template_file')])
    with module.errors():
        result = ArmDeploymentManager(module.context(), module.params, hide=module.no_log_values.update).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
