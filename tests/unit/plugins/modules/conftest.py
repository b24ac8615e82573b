# -*- coding: utf-8 -*-
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for module tests: a fake resource client and a way to run a module's main()."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.dockyard.azure.tests.unit.utils.azure_fakes import FakeResourceClient


@pytest.fixture
def fake_client():
    return FakeResourceClient()


@pytest.fixture
def run_module(monkeypatch, capsys):
    """Run a module's main() with args; return its JSON result. Azure env vars are cleared."""
    from ansible.module_utils import basic

    for name in list(os.environ):
        if name.startswith('AZURE_') or name == 'REQUESTS_CA_BUNDLE':
            monkeypatch.delenv(name)

    def run(main, args):
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
