# -*- coding: utf-8 -*-
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make `ansible_collections.dockyard.azure` importable when pytest runs from a collection copy.

ansible-test units sets this up itself; plain pytest needs the folder that holds
`ansible_collections/` on sys.path (run from .../ansible_collections/dockyard/azure).
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.abspath(os.path.dirname(__file__))
_COLLECTION_ROOT = os.path.dirname(os.path.dirname(_HERE))
_PARTS = _COLLECTION_ROOT.split(os.sep)
if len(_PARTS) >= 3 and _PARTS[-3] == 'ansible_collections':
    _COLLECTIONS_PATH = os.sep.join(_PARTS[:-3])
    if _COLLECTIONS_PATH not in sys.path:
        sys.path.insert(0, _COLLECTIONS_PATH)
