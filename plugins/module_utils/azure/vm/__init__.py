# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The code of the vm and vm_info modules (private to dockyard.azure).

state: what Azure reports (power states, the result shape); spec, images, inbound_rules and
network_spec: the desired state, pure; actions: the log of writes a run makes; network and
manager: read, plan and apply (VmManager); query: the reads of vm_info.
"""
