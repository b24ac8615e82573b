# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Compose models the unit tests share (fixtures/), printed by the reference CLI.

``docker compose config --format json`` of Compose 2.40.3, and the labels that CLI put on the
containers, networks and volumes it created (hashproj.labels.json).
"""

from __future__ import annotations

import json
import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures')
IMAGE_ID = 'sha256:' + 'a' * 64
OTHER_IMAGE_ID = 'sha256:' + 'b' * 64
# ID of hashproj-web-1 when the reference CLI computed hashproj.labels.json (worker uses network_mode service:web)
HASHPROJ_WEB_ID = 'b505eb8fbc8b1733d517ee2e9d5719051b728be74caa5d9f49986723c03bcc35'


def load(name):
    """A fixture file of fixtures/, parsed (a fresh copy every call)."""
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)
