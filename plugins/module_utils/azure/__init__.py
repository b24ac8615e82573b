# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Azure side of the collection (private to dockyard.azure): AzureModule, its context, the managers of the Azure modules."""
