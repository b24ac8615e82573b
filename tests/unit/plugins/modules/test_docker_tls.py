# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docker_tls end to end through main()."""

from __future__ import annotations

import json

from ansible_collections.dockyard.azure.plugins.modules import docker_tls


def test_docker_tls_module(tmp_path, run_module):
    args = dict(path=str(tmp_path / 'tls'), ip_addresses=['20.1.2.3'])
    result = run_module(docker_tls.main, dict(args, _ansible_check_mode=True, _ansible_diff=True))
    assert result['changed'] and not (tmp_path / 'tls').exists() and 'diff' in result
    result = run_module(docker_tls.main, args)
    assert result['changed'] and 'PRIVATE KEY' not in json.dumps(result) and 'diff' not in result
    result = run_module(docker_tls.main, args)
    assert result['changed'] is False
    result = run_module(docker_tls.main, dict(path=str(tmp_path / 'x')))
    assert result['failed'] and result['option'] == 'ip_addresses'
