# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make `ansible_collections.dockyard.azure` importable when pytest runs from a collection copy.

ansible-test units sets this up itself; plain pytest needs the folder that holds
`ansible_collections/` on sys.path (run from .../ansible_collections/dockyard/azure).
"""

from __future__ import annotations

import json
import os
import sys

import pytest

_HERE = os.path.abspath(os.path.dirname(__file__))
_COLLECTION_ROOT = os.path.dirname(os.path.dirname(_HERE))
_PARTS = _COLLECTION_ROOT.split(os.sep)
if len(_PARTS) >= 3 and _PARTS[-3] == 'ansible_collections':
    _COLLECTIONS_PATH = os.sep.join(_PARTS[:-3])
    if _COLLECTIONS_PATH not in sys.path:
        sys.path.insert(0, _COLLECTIONS_PATH)


@pytest.fixture
def run_module(monkeypatch, capsys):
    """Run a module's main() with args; return its JSON result. Azure env vars are cleared."""
    from ansible.module_utils import basic

    for name in list(os.environ):
        if name.startswith('AZURE_') or name == 'REQUESTS_CA_BUNDLE':
            monkeypatch.delenv(name)

    def run(main, args):
        # Ansible keeps warnings in a process-wide store until a module exits; one a test left behind (a manager
        # warned, then the test ended without exit_json) would otherwise show up in the next module's result.
        from ansible.module_utils.common import warnings
        for store in ('_global_warnings', '_global_deprecations'):
            if hasattr(getattr(warnings, store, None), 'clear'):
                getattr(warnings, store).clear()
        try:
            from ansible.module_utils.testing import patch_module_args
        except ImportError:  # ansible-core < 2.19
            from ansible.module_utils.common.text.converters import to_bytes
            monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
            patch = None
        else:
            patch = patch_module_args(args)
        with pytest.raises(SystemExit):
            if patch is None:
                main()
            else:
                with patch:
                    main()
        return json.loads(capsys.readouterr().out)

    return run


@pytest.fixture(autouse=True)
def fresh_module_warnings():
    """Every test starts with no module warnings or deprecations pending: AnsibleModule keeps them in
    process-wide lists until a module exits, so one test's warnings would show up in the next test's result."""
    from ansible.module_utils.common import warnings

    for pending in (getattr(warnings, '_global_warnings', None), getattr(warnings, '_global_deprecations', None)):
        if pending is not None:
            pending.clear()
