# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARM template deployments (private to dockyard.azure): the logic of arm_deployment and arm_deployment_info.

- ``sources``: the template (a file, an inline dict or Bicep-compiled JSON) and its parameters (a dict,
  a parameters file, secure parameters), read and checked before any call; the default deployment name
  and the fingerprint that tells a re-run of the same deployment.
- ``changes``: Azure's what-if result as the modules report it: the changes, whether anything changes,
  the diff per resource, outputs as plain values.
- ``manager``: the calls: what-if first (check mode stops there), then the deployment PUT only when
  something changes, and the reads of arm_deployment_info.
"""
