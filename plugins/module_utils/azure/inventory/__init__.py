# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dockyard.azure.vms inventory plugin's logic (private to dockyard.azure): filters, host variables, the ARM reads."""
