# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interpolation and .env parsing as Compose does them."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _template as tpl


def test_substitute_nested_and_rest():
    lookup = tpl.mapping_lookup({'A': 'a'})
    assert tpl.substitute('${X:-${Y:-${A}}}-${A}', lookup) == 'a-a'
    assert tpl.substitute('${A-x} ${B:-y}', lookup) == 'a y'
    warned = []
    assert tpl.substitute('$NOPE', lookup, warned.append) == ''
    assert warned == ['NOPE']


def test_dotenv_parser():
    text = 'A=1\nexport B="x\\ty"\nC=\'$A\'\nD="$A${A}"\nE: yaml\nF=a #c\nG=a#c\nINHERIT\n'
    env = tpl.parse_dotenv(text, tpl.mapping_lookup({'INHERIT': 'i'}))
    assert env == {'A': '1', 'B': 'x\ty', 'C': '$A', 'D': '11', 'E': 'yaml', 'F': 'a', 'G': 'a#c', 'INHERIT': 'i'}


def test_dotenv_errors():
    with pytest.raises(tpl.DotEnvError, match='unterminated quoted value'):
        tpl.parse_dotenv('A="abc\n')
    with pytest.raises(tpl.DotEnvError):
        tpl.parse_dotenv('A B=1\n')


@pytest.mark.parametrize('template,error,message', [
    ('${A:?set A}', 'MissingRequiredError', 'required variable A is missing a value: set A'),
    ('${A?}', 'MissingRequiredError', 'required variable A is missing a value'),
    ('${}', 'TemplateError', 'Invalid template'),
])
def test_substitution_errors(template, error, message):
    with pytest.raises(getattr(tpl, error), match=message):
        tpl.substitute(template, tpl.mapping_lookup({}))


def test_empty_but_set_variable_satisfies_question_mark_only():
    lookup = tpl.mapping_lookup({'A': ''})
    assert tpl.substitute('${A?}', lookup) == ''
    with pytest.raises(tpl.MissingRequiredError):
        tpl.substitute('${A:?}', lookup)
