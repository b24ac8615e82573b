"""Template functions, pinned to documented ARM outputs where the documentation gives them.

DOCS = MicrosoftDocs/azure-docs articles/azure-resource-manager/bicep/bicep-functions-string.md
       (commit 02d09f6414e40e9363ef62ef3e06c9c62b6995b6) and bicep-functions-date.md
       (012c7002132ac38d57bd429b86a773e5ff81972b); their Bicep examples compile to the
       ARM expressions written here and the tables give ARM's outputs.
BICEP = Azure/bicep src/Bicep.Core.IntegrationTests/EvaluationTests.cs (commit
        350075ce70ced75be92fe2b41365482ba6d1361c): outputs of Azure's own template engine.
"""

import pytest
from template_helpers import ev

from dockyard_emulator.templates.errors import ExpressionError

DOCS = "bicep-functions-string.md"
BICEP = "Bicep EvaluationTests"

DOCUMENTED = [
    # base64 / base64ToString / base64ToJson
    ("[base64('one, two, three')]", "b25lLCB0d28sIHRocmVl", DOCS),
    ("[base64ToString(base64('one, two, three'))]", "one, two, three", DOCS),
    ("[base64ToJson(base64('{\"one\": \"a\", \"two\": \"b\"}'))]", {"one": "a", "two": "b"}, DOCS),
    # contains: strings case-sensitive, object keys case-insensitive
    ("[contains('OneTwoThree', 'e')]", True, DOCS),
    ("[contains('OneTwoThree', 'z')]", False, DOCS),
    ("[contains(createObject('one', 'a', 'two', 'b', 'three', 'c'), 'one')]", True, DOCS),
    ("[contains(createObject('one', 'a', 'two', 'b', 'three', 'c'), 'a')]", False, DOCS),
    ("[contains(createArray('one', 'two', 'three'), 'three')]", True, DOCS),
    ("[contains(createArray('one', 'two', 'three'), 'four')]", False, DOCS),
    # dataUri
    ("[dataUri('Hello')]", "data:text/plain;charset=utf8;base64,SGVsbG8=", DOCS),
    ("[dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')]", "Hello, World!", DOCS),
    # empty
    ("[empty(createArray())]", True, DOCS),
    ("[empty(createObject())]", True, DOCS),
    ("[empty('')]", True, DOCS),
    # startsWith / endsWith: case-insensitive
    ("[startsWith('abcdef', 'ab')]", True, DOCS),
    ("[startsWith('abcdef', 'A')]", True, DOCS),
    ("[startsWith('abcdef', 'e')]", False, DOCS),
    ("[endsWith('abcdef', 'ef')]", True, DOCS),
    ("[endsWith('abcdef', 'F')]", True, DOCS),
    ("[endsWith('abcdef', 'e')]", False, DOCS),
    # first / last
    ("[first(createArray('one', 'two', 'three'))]", "one", DOCS),
    ("[first('One Two Three')]", "O", DOCS),
    ("[last(createArray('one', 'two', 'three'))]", "three", DOCS),
    ("[last('One Two Three')]", "e", DOCS),
    # format: .NET composite format
    ("[format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)]", "Hello, User. Formatted number: 8,175,133", DOCS),
    # indexOf / lastIndexOf on strings: case-insensitive
    ("[indexOf('test', 't')]", 0, DOCS),
    ("[lastIndexOf('test', 't')]", 3, DOCS),
    ("[indexOf('abcdef', 'CD')]", 2, DOCS),
    ("[lastIndexOf('abcdef', 'AB')]", 0, DOCS),
    ("[indexOf('abcdef', 'z')]", -1, DOCS),
    # join
    ("[join(createArray('one', 'two', 'three'), ',')]", "one,two,three", DOCS),
    ("[join(createArray('one', 'two', 'three'), ';')]", "one;two;three", DOCS),
    # length
    ("[length(createArray('one', 'two', 'three'))]", 3, DOCS),
    ("[length('One Two Three')]", 13, DOCS),
    ("[length(createObject('propA', 'one', 'propB', 'two', 'propC', 'three', 'propD', createObject('propD-1', 'sub', 'propD-2', 'sub')))]", 4, DOCS),
    # padLeft / replace
    ("[padLeft('123', 10, '0')]", "0000000123", DOCS),
    ("[replace('123-123-1234', '-', '')]", "1231231234", DOCS),
    ("[replace('123-123-1234', '1234', 'xxxx')]", "123-123-xxxx", DOCS),
    # skip / take
    ("[skip(createArray('one', 'two', 'three'), 2)]", ["three"], DOCS),
    ("[skip('one two three', 4)]", "two three", DOCS),
    ("[take(createArray('one', 'two', 'three'), 2)]", ["one", "two"], DOCS),
    ("[take('one two three', 2)]", "on", DOCS),
    # split
    ("[split('one,two,three', ',')]", ["one", "two", "three"], DOCS),
    ("[split('one;two,three', createArray(',', ';'))]", ["one", "two", "three"], DOCS),
    # string: objects and arrays as compact JSON
    ("[string(createObject('valueA', 10, 'valueB', 'Example Text'))]", '{"valueA":10,"valueB":"Example Text"}', DOCS),
    ("[string(createArray('a', 'b', 'c'))]", '["a","b","c"]', DOCS),
    ("[string(5)]", "5", DOCS),
    # substring / toLower / toUpper / trim
    ("[substring('one two three', 4, 3)]", "two", DOCS),
    ("[toLower('One Two Three')]", "one two three", DOCS),
    ("[toUpper('One Two Three')]", "ONE TWO THREE", DOCS),
    ("[trim('    one two three   ')]", "one two three", DOCS),
    # uri / uriComponent / uriComponentToString (the documented examples of the uri rules too)
    ("[uri('http://contoso.com/resources/', 'nested/azuredeploy.json')]", "http://contoso.com/resources/nested/azuredeploy.json", DOCS),
    ("[uriComponent(uri('http://contoso.com/resources/', 'nested/azuredeploy.json'))]",
     "http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json", DOCS),
    ("[uriComponentToString('http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json')]",
     "http://contoso.com/resources/nested/azuredeploy.json", DOCS),
    ("[uri('http://contoso.org/firstpath', 'myscript.sh')]", "http://contoso.org/myscript.sh", DOCS),
    ("[uri('http://contoso.org/firstpath/', 'myscript.sh')]", "http://contoso.org/firstpath/myscript.sh", DOCS),
    ("[uri('http://contoso.org/firstpath/azuredeploy.json', 'myscript.sh')]", "http://contoso.org/firstpath/myscript.sh", DOCS),
    ("[uri('http://contoso.org/firstpath/azuredeploy.json/', 'myscript.sh')]",
     "http://contoso.org/firstpath/azuredeploy.json/myscript.sh", DOCS),
    # Azure's engine, through Bicep's evaluation tests
    ("[add(1, 3)]", 4, BICEP),
    ("[mul(add(1, 3), 5)]", 20, BICEP),
    ("[mod(20, 7)]", 6, BICEP),
    ("[div(6, 11)]", 0, BICEP),
    ("[sub(0, 13)]", -13, BICEP),
    ("[format('>{0}<>{1}<>{2}<', false(), 12948, 'hello!')]", ">False<>12948<>hello!<", BICEP),
    ("[format('{0}', createObject('a', 'b', '!c', 2))]", "{'a':'b','!c':2}", BICEP),
    ("[format('{0}', createArray(true(), 2893, 'abc'))]", "[true,2893,'abc']", BICEP),
    ("[less(123, 456)]", True, BICEP),
    ("[lessOrEquals(123, 456)]", True, BICEP),
    ("[greater(123, 456)]", False, BICEP),
    ("[greaterOrEquals(123, 456)]", False, BICEP),
    ("[equals(123, 456)]", False, BICEP),
    ("[not(true())]", False, BICEP),
    ("[and(true(), false())]", False, BICEP),
    ("[or(true(), false())]", True, BICEP),
    ("[coalesce(null(), 123)]", 123, BICEP),
    ("[join(createArray('abc', 'def', 'ghi'), '')]", "abcdefghi", BICEP),
    ("[indexOf('FOOBAR', 'foo')]", 0, BICEP),
    ("[contains('FOOBAR', 'foo')]", False, BICEP),
    ("[indexOf(createArray('FOO', 'BAR'), 'foo')]", -1, BICEP),
    ("[indexOf(createArray('FOO', 'BAR'), 'BAR')]", 1, BICEP),
    ("[indexOf(createArray('FOO', 'BAR'), false())]", -1, BICEP),
    ("[contains(createArray('FOO', 'BAR'), 123)]", False, BICEP),
    ("[map(createArray('Evie', 'Casper'), lambda('i', format('Hello {0}!', lambdaVariables('i'))))]", ["Hello Evie!", "Hello Casper!"], BICEP),
    ("[filter(createArray(0, 1, 2, 3), lambda('i', equals(0, mod(lambdaVariables('i'), 2))))]", [0, 2], BICEP),
    ("[flatten(createArray(createArray(0, 1), createArray(2, 3), createArray(4, 5)))]", [0, 1, 2, 3, 4, 5], BICEP),
    ("[sort(createArray(8, 3, 10, -13, 5), lambda('x', 'y', less(lambdaVariables('x'), lambdaVariables('y'))))]", [-13, 3, 5, 8, 10], BICEP),
    ("[sort(createArray('ghi', 'abc', 'def'), lambda('x', 'y', greater(lambdaVariables('x'), lambdaVariables('y'))))]", ["ghi", "def", "abc"], BICEP),
    ("[reduce(range(1, 5), 1, lambda('cur', 'next', mul(lambdaVariables('cur'), lambdaVariables('next'))))]", 120, BICEP),
    ("[reduce(createArray(createObject('foo', 123), createObject('bar', 456)), createObject(), "
     "lambda('cur', 'next', union(lambdaVariables('cur'), lambdaVariables('next'))))]", {"foo": 123, "bar": 456}, BICEP),
    ("[map(items(createObject('ghiKey', 1, 'defKey', 2, 'abcKey', 3, '123Key', 4, 'GHIKey', 5, 'DEFKey', 6, 'ABCKey', 7, "
     "'456Key', 8)), lambda('i', lambdaVariables('i').key))]",
     ["123Key", "456Key", "abcKey", "ABCKey", "defKey", "DEFKey", "ghiKey", "GHIKey"], BICEP),
]


@pytest.mark.parametrize(("expression", "expected", "source"), DOCUMENTED, ids=[e for e, _, _ in DOCUMENTED])
def test_documented_outputs(expression, expected, source):
    result = ev(expression)
    assert result == expected and type(result) is type(expected), source


MORE = [
    ("[concat('a', 'b', 1)]", "ab1"),
    ("[concat(createArray(1), createArray(2, 3))]", [1, 2, 3]),
    ("[concat('ok-', true())]", "ok-True"),
    ("[if(equals(1, 1), 'yes', 'no')]", "yes"),
    ("[if(false(), reference('not-evaluated').x, 'lazy')]", "lazy"),
    ("[equals(createObject('a', 1, 'b', 2), createObject('b', 2, 'a', 1))]", True),
    ("[equals('a', 'A')]", False),
    ("[bool('True')]", True),
    ("[bool(0)]", False),
    ("[int('42')]", 42),
    ("[float('1.5')]", 1.5),
    ("[string(true())]", "True"),
    ("[json('{\"a\": [1, null]}')]", {"a": [1, None]}),
    ("[json('null')]", None),
    ("[null()]", None),
    ("[div(-7, 2)]", -3),
    ("[mod(-7, 2)]", -1),
    ("[min(createArray(3, 1, 2))]", 1),
    ("[max(3, 9, 2)]", 9),
    ("[range(5, 3)]", [5, 6, 7]),
    ("[union(createObject('a', createObject('x', 1, 'y', 2)), createObject('a', createObject('y', 3), 'b', 4))]",
     {"a": {"x": 1, "y": 3}, "b": 4}),
    ("[union(createArray(1, 2), createArray(2, 3))]", [1, 2, 3]),
    ("[intersection(createArray('a', 'b', 'c'), createArray('c', 'b'))]", ["b", "c"]),
    ("[intersection(createObject('a', 1, 'b', 2), createObject('a', 1, 'b', 3))]", {"a": 1}),
    ("[lastIndexOf(createArray('a', 'b', 'a'), 'a')]", 2),
    ("[last(createArray())]", None),
    ("[take('hello', -2)]", ""),
    ("[skip(createArray('x', 'y'), -3)]", ["x", "y"]),
    ("[padLeft(7, 3, '0')]", "007"),
    ("[format('{0:D3}-{1:X}-{2,5}|{3,-3}|{{x}}', 7, 255, 'ab', 'c')]", "007-FF-   ab|c  |{x}"),
    ("[format('{0:N2} {1:P0}', 1234.5, 0.25)]", "1,234.50 25 %"),
    ("[createObject('a', createArray(1))['a'][0]]", 1),
    ("[createObject('Key', 'v').key]", "v"),
    ("[tryGet(createObject('a', createObject('b', 1)), 'a', 'b')]", 1),
    ("[tryGet(createObject('a', 1), 'missing')]", None),
    ("[toObject(createArray('a', 'b'), lambda('x', lambdaVariables('x')), lambda('x', toUpper(lambdaVariables('x'))))]", {"a": "A", "b": "B"}),
    ("[guid('test', 'value')]", "95b33d6a-06a0-5961-9b94-a0f6c648352b"),
    ("[uniqueString('test', 'value')]", "bhxq2thzm5dym"),
    ("[dateTimeAdd('2020-04-07 14:53:14Z', 'P3Y')]", "2023-04-07 14:53:14Z"),
    ("[dateTimeAdd('2020-04-07 14:53:14Z', '-P9D', 'yyyy-MM-dd')]", "2020-03-29"),
    ("[dateTimeAdd('2020-04-07T14:53:14Z', 'PT1H')]", "2020-04-07T15:53:14Z"),
    ("[dateTimeAdd('2020-01-31T00:00:00Z', 'P1M', 'yyyy-MM-dd')]", "2020-02-29"),
    ("[dateTimeToEpoch('2023-02-02T00:00:00Z')]", 1675296000),
    ("[dateTimeFromEpoch(1675296000)]", "2023-02-02T00:00:00Z"),
    ("[[notAnExpression]", "[notAnExpression]"),
    ("plain text", "plain text"),
    ("[CONCAT('Case', 'Insensitive')]", "CaseInsensitive"),
    ("[ concat( 'spaces' , 'ok' ) ]", "spacesok"),
    ("[concat('it''s', '')]", "it's"),
    ("[environment().suffixes.storage]", "core.windows.net"),
    ("[pickZones('Microsoft.Compute', 'virtualMachines', 'eastus', 2)]", ["1", "2"]),
]


@pytest.mark.parametrize(("expression", "expected"), MORE, ids=[e for e, _ in MORE])
def test_functions(expression, expected):
    assert ev(expression) == expected


def test_parameters_and_variables_are_case_insensitive():
    assert ev("[parameters('NAME')]", parameters={"name": "x"}) == "x"
    assert ev("[variables('Greeting')]", variables={"greeting": "[concat('hi ', 'there')]"}) == "hi there"


def test_utc_now_formats_in_a_parameter_default():
    """bicep-functions-date.md: utcNow() 20190305T175318Z, utcNow('d') 03/05/2019, utcNow('M d') 3 5."""
    assert ev("[utcNow()]", where="parameterDefault") == "20190305T175318Z"
    assert ev("[utcNow('d')]", where="parameterDefault") == "03/05/2019"
    assert ev("[utcNow('M d')]", where="parameterDefault") == "3 5"
    assert ev("[utcNow('u')]", where="parameterDefault") == "2019-03-05 17:53:18Z"
    assert len(ev("[newGuid()]", where="parameterDefault")) == 36


@pytest.mark.parametrize("expression", ["[utcNow()]", "[newGuid()]"])
def test_utc_now_and_new_guid_only_in_parameter_defaults(expression):
    with pytest.raises(ExpressionError, match="can only be used with parameter default values"):
        ev(expression)


def test_resource_group_subscription_and_deployment_objects():
    assert ev("[resourceGroup().id]") == "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-templates"
    assert ev("[resourceGroup().location]") == "eastus"
    assert ev("[subscription().subscriptionId]") == "00000000-0000-0000-0000-000000000001"
    assert ev("[deployment().name]") == "azuredeploy"


RESOURCE_IDS = [
    ("[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]",
     "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-templates/providers/Microsoft.Network/virtualNetworks/vnet"),
    ("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'default')]",
     "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-templates/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default"),
    ("[resourceId('Microsoft.Network/virtualNetworks/subnets/', 'vnet', 'default')]",
     "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-templates/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default"),
    ("[resourceId('other-rg', 'Microsoft.Storage/storageAccounts', 'st')]",
     "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/other-rg/providers/Microsoft.Storage/storageAccounts/st"),
    ("[resourceId('2e518a80-f860-4467-a00e-d81aaf1ff42e', 'customRg', 'My.Rp/parent/child', 'myParent', 'myChild')]",
     "/subscriptions/2e518a80-f860-4467-a00e-d81aaf1ff42e/resourceGroups/customRg/providers/My.Rp/parent/myParent/child/myChild"),
    ("[resourceId('My.Rp/parent/child', 'myParent/myChild')]",
     "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-templates/providers/My.Rp/parent/myParent/child/myChild"),
    ("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]",
     "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"),
    ("[subscriptionResourceId('2e518a80-f860-4467-a00e-d81aaf1ff42e', 'My.Rp/parent/child', 'myParent', 'myChild')]",
     "/subscriptions/2e518a80-f860-4467-a00e-d81aaf1ff42e/providers/My.Rp/parent/myParent/child/myChild"),
    ("[tenantResourceId('My.Rp/parent/child', 'myParent', 'myChild')]", "/providers/My.Rp/parent/myParent/child/myChild"),
    ("[extensionResourceId(resourceId('Microsoft.Storage/storageAccounts', 'st'), 'Microsoft.Authorization/locks', 'lock')]",
     "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-templates/providers/Microsoft.Storage/storageAccounts/st"
     "/providers/Microsoft.Authorization/locks/lock"),
]


@pytest.mark.parametrize(("expression", "expected"), RESOURCE_IDS, ids=[e for e, _ in RESOURCE_IDS])
def test_resource_id_forms(expression, expected):
    """The My.Rp forms are those of Bicep's ResourceId_expressions_are_evaluated_successfully (Azure's engine)."""
    assert ev(expression) == expected


ERRORS = [
    ("[foo('x')]", "The template function 'foo' is not valid."),
    ("[substring('1234567890', 0, 11)]", "The index and length parameters must refer to a location within the string. "
     "The index parameter: '0', the length parameter: '11', the length of the string parameter: '10'."),
    ("[createArray(1, 2)[2]]", "The language expression property array index '2' is out of bounds."),
    ("[createObject('a', 1).b]", "The language expression property 'b' doesn't exist, available properties are 'a'."),
    ("[toLower(1)]", "expects its parameter to be of type 'String'. The provided value is of type 'Integer'."),
    ("[parameters('missing')]", "The template parameter 'missing' is not found."),
    ("[variables('missing')]", "The template variable 'missing' is not found."),
    ("[copyIndex()]", "The template function 'copyIndex' is not expected at this location."),
    ("[div(1, 0)]", "cannot divide by zero"),
    ("[concat('a',]", "Unable to parse language expression"),
    ("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet')]", "requires '2' resource name argument(s)"),
]


@pytest.mark.parametrize(("expression", "message"), ERRORS, ids=[e for e, _ in ERRORS])
def test_function_errors(expression, message):
    with pytest.raises(ExpressionError) as caught:
        ev(expression)
    assert message in str(caught.value)
