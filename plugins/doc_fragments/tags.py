# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # Tags of the resource a module writes (plugins/module_utils/azure/tags.py, TAGS_ARGUMENT_SPEC).
    DOCUMENTATION = r"""
options:
  tags:
    description:
      - Tags of the resource. Values are converted to strings, as Azure stores them.
      - With O(append_tags=true) these tags are added to (or update) the existing ones;
        with O(append_tags=false) they replace them, and O(tags={}) removes all tags.
      - If not set, the existing tags are left alone.
      - Tag names have 1-512 characters, none of C(<), C(>), C(%), C(&), C(\), C(?) or C(/); values at most 256 characters.
    type: dict
  append_tags:
    description:
      - Whether O(tags) are merged into the existing tags (V(true)) or replace them (V(false)).
    type: bool
    default: true
"""

    # Tag filters of the *_info modules (TAG_FILTER_ARGUMENT_SPEC).
    FILTER = r"""
options:
  tags:
    description:
      - Only return resources that have all of these tags.
      - Each item is either a tag name (V(env)), which matches any value, or C(name:value) (V(env:prod)).
    type: list
    elements: str
"""
