# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""compose/errors.py: the Compose branch of the error hierarchy: every Compose error is a DockyardError, located by file and key."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import errors
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError


def test_message_names_the_file_by_its_base_name_and_the_key():
    error = errors.ComposeError('invalid port "x"', '/srv/app/compose.yaml', 'services.web.ports[0]')
    assert str(error) == error.msg == 'compose.yaml: services.web.ports[0]: invalid port "x"'
    assert (error.file, error.key) == ('/srv/app/compose.yaml', 'services.web.ports[0]')
    assert str(errors.ComposeError('boom', errors.INLINE_NAME)) == '(inline content): boom'
    assert str(errors.ComposeError('boom')) == 'boom'


def test_option_and_extra_reach_the_failed_result():
    error = errors.ComposeOptionError('scale.web must be a number', option='scale', project_name='app')
    assert error.result_fields() == {'option': 'scale', 'project_name': 'app'}


@pytest.mark.parametrize('cls', [errors.FormatError, errors.TemplateError, errors.DotEnvError, errors.ModelError,
                                 errors.ComposeOptionError, errors.SpecError, errors.PlanError, errors.EngineError])
def test_every_compose_error_is_a_compose_error_and_a_dockyard_error(cls):
    assert issubclass(cls, errors.ComposeError) and issubclass(cls, DockyardError)
    assert not issubclass(cls, ValueError)  # a stray `except ValueError` cannot swallow them


def test_missing_required_variable_keeps_its_name_and_reason():
    error = errors.MissingRequiredError('DB_PASSWORD', 'set it in .env')
    assert (error.variable, error.reason) == ('DB_PASSWORD', 'set it in .env')
    assert str(error) == 'required variable DB_PASSWORD is missing a value: set it in .env'
    assert str(errors.MissingRequiredError('X', '')) == 'required variable X is missing a value'
