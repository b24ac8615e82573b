# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the collection importable when pytest runs from the collection root.

The collection must live at <root>/ansible_collections/dockyard/azure; when it
does, that <root> is put on sys.path.
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_COLLECTION = os.path.dirname(os.path.dirname(_HERE))
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(_COLLECTION)))
if os.path.basename(os.path.dirname(os.path.dirname(_COLLECTION))) == 'ansible_collections' and _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
