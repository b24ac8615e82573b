# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError, ServiceRequestError
from azure.mgmt.core.exceptions import ARMErrorFormat

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import (
    AzureModuleError,
    azure_error_details,
    azure_operation,
    format_azure_error,
    is_not_found,
)


class FakeResponse:
    """The parts of an azure-core HTTP response that HttpResponseError reads."""

    def __init__(self, status_code, body, reason='Error'):
        self.status_code = status_code
        self.reason = reason
        self._body = body if isinstance(body, str) else json.dumps(body)

    def text(self, encoding=None):
        return self._body


def arm_error(status, code, message, details=None, cls=HttpResponseError, **kwargs):
    body = {'error': {'code': code, 'message': message}}
    if details:
        body['error']['details'] = [{'code': c, 'message': m} for c, m in details]
    return cls(response=FakeResponse(status, body), **kwargs)


def test_arm_error_is_code_colon_message():
    exc = arm_error(404, 'ResourceGroupNotFound', "Resource group 'x' could not be found.", cls=ResourceNotFoundError)
    assert format_azure_error(exc) == "ResourceGroupNotFound: Resource group 'x' could not be found."


def test_arm_error_format_of_the_mgmt_sdk():
    exc = arm_error(409, 'Conflict', 'Busy.', error_format=ARMErrorFormat)
    assert format_azure_error(exc) == 'Conflict: Busy.'


def test_operation_prefix_and_multiline_message_become_one_line():
    exc = arm_error(400, 'InvalidParameter', 'Bad value\nfor   location.\n')
    message = format_azure_error(exc, "Could not create resource group 'x'")
    assert message == "Could not create resource group 'x': InvalidParameter: Bad value for location."
    assert '\n' not in message


def test_details_are_appended_and_capped():
    details = [('D%d' % i, 'detail %d' % i) for i in range(5)]
    message = format_azure_error(arm_error(400, 'InvalidTemplate', 'Template invalid.', details=details))
    assert message == 'InvalidTemplate: Template invalid. Details: D0: detail 0; D1: detail 1; D2: detail 2 (+2 more)'


def test_error_without_arm_body_uses_http_status_and_one_line():
    exc = HttpResponseError(response=FakeResponse(502, '<html>\n<body>Bad gateway</body>\n</html>', reason='Bad Gateway'))
    message = format_azure_error(exc)
    assert message.startswith('HTTP 502 Bad Gateway: ')
    assert '\n' not in message


def test_connection_error():
    message = format_azure_error(ServiceRequestError('Connection refused\nby peer'), 'Could not list resource groups')
    assert message == 'Could not list resource groups: ServiceRequestError: Connection refused by peer'


def test_authentication_error_is_one_line():
    exc = ClientAuthenticationError('ClientSecretCredential authentication failed: AADSTS7000215: Invalid client secret.\nTrace ID: 1')
    message = format_azure_error(exc)
    assert message.startswith('Authentication failed: ClientSecretCredential authentication failed: AADSTS7000215')
    assert '\n' not in message


def test_error_details_for_the_result():
    exc = arm_error(404, 'ResourceGroupNotFound', 'gone', cls=ResourceNotFoundError)
    assert azure_error_details(exc) == {'error_code': 'ResourceGroupNotFound', 'status_code': 404}


def test_is_not_found():
    assert is_not_found(arm_error(404, 'ResourceGroupNotFound', 'gone', cls=ResourceNotFoundError))
    assert not is_not_found(arm_error(409, 'Conflict', 'busy'))
    assert not is_not_found(KeyError('404'))


def test_azure_operation_wraps_sdk_errors():
    with pytest.raises(AzureModuleError) as info, azure_operation("Could not delete resource group 'x'"):
        raise arm_error(409, 'ResourceGroupBeingDeleted', "The resource group 'x' is in deprovisioning state.")
    assert info.value.msg == ("Could not delete resource group 'x': ResourceGroupBeingDeleted: "
                              "The resource group 'x' is in deprovisioning state.")
    assert info.value.extra == {'error_code': 'ResourceGroupBeingDeleted', 'status_code': 409}


def test_azure_operation_leaves_other_exceptions_alone():
    with pytest.raises(KeyError), azure_operation('anything'):
        raise KeyError('bug')


def test_subscription_not_found_is_no_missing_resource_and_names_subscription_id():
    """Issue 11: a wrong subscription's 404 used to read as 'this resource (group) does not exist'."""
    exc = arm_error(404, 'SubscriptionNotFound', "The subscription '1111' could not be found.")
    assert not is_not_found(exc)
    with pytest.raises(AzureModuleError) as info, azure_operation('Could not read resource group'):
        raise exc
    assert info.value.option == 'subscription_id' and 'subscription_id' in info.value.msg
