"""The position-tracking JSON reader and the expression parser."""

import pytest

from dockyard_emulator.templates import TemplateError
from dockyard_emulator.templates.errors import ExpressionError
from dockyard_emulator.templates.expressions import Call, Index, Literal, Property, calls, parse_template_string
from dockyard_emulator.templates.jsonpos import parse_json, path_text


def test_positions_follow_newtonsoft():
    """Objects and arrays: their opening bracket; scalars: their last character (1-based)."""
    document = parse_json('{\n  "a": [1, {"b": "xy"}],\n  "n": null\n}')
    assert document.value == {"a": [1, {"b": "xy"}], "n": None}
    assert document.position(()) == (1, 1)
    assert document.position(("a",)) == (2, 8)
    assert document.position(("a", 0)) == (2, 9)
    assert document.position(("a", 1)) == (2, 12)
    assert document.position(("a", 1, "b")) == (2, 21)
    assert document.position(("n",)) == (3, 11)


def test_comments_bom_and_numbers():
    document = parse_json('\ufeff{"i": -5, "f": 1.5e2, /* c */ "t": true // end\n}')
    assert document.value == {"i": -5, "f": 150.0, "t": True}


@pytest.mark.parametrize(("text", "message"), [
    ('{"a": 1,}', "Invalid property identifier character: }. Path 'a', line 1, position 9."),
    ('{"a": tru}', "Unexpected character encountered while parsing value: t. Path 'a', line 1, position 7."),
    ('{"a": 1} x', "Additional text encountered after finished reading JSON content: x. Path '', line 1, position 10."),
    ('{"a": 1, "a": 2}', "Can not add property a to Newtonsoft.Json.Linq.JObject. Property with the same name already exists"),
    ('{"a": [1 2]}', "After parsing a value an unexpected character was encountered: 2. Path 'a[0]', line 1, position 10."),
])
def test_json_errors(text, message):
    with pytest.raises(TemplateError) as caught:
        parse_json(text)
    assert caught.value.code == "InvalidTemplate" and message in caught.value.message


def test_path_text():
    assert path_text(("resources", 0, "properties", "odd key")) == "resources[0].properties['odd key']"


def test_expression_tree():
    node = parse_template_string("[concat('it''s', parameters('x').y[0], -1, 2.5, ns.fn())]")
    assert node == Call("concat", (Literal("it's"), Index(Property(Call("parameters", (Literal("x"),)), "y"), Literal(0)),
                                   Literal(-1), Literal(2.5), Call("ns.fn", ())))
    assert [c.name for c in calls(node)] == ["concat", "parameters", "ns.fn"]


@pytest.mark.parametrize(("value", "expected"), [("plain", None), ("[[escaped]", Literal("[escaped]")),
                                                 ("[no end", None), ("ends]", None)])
def test_literal_strings(value, expected):
    assert parse_template_string(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("[concat('a',]", "Unable to parse language expression 'concat('a',': expected token 'Identifier' and actual 'EndOfData'."),
    ("[foo bar]", "Unable to parse language expression 'foo bar': expected token 'LeftParenthesis' and actual 'Identifier'."),
    ("[a(#)]", "The language expression 'a(#)' is not valid: the string character '#' at position '2' is not expected."),
    ("[true]", "expected token 'LeftParenthesis' and actual 'EndOfData'"),
    ("[ ]", "the expression is empty"),
])
def test_expression_syntax_errors(value, message):
    with pytest.raises(ExpressionError) as caught:
        parse_template_string(value)
    assert message in str(caught.value)
