# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A minimal raw ARM client for test set-up and independent checks.

Deliberately not the collection's code: when a test checks what a module did, it reads Azure's
(the emulator's) state through plain REST calls.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid

GROUP_API = "2022-09-01"
IDENTITY_API = "2023-01-31"
NETWORK_API = "2024-05-01"
COMPUTE_API = "2024-07-01"
DISK_API = "2024-03-02"


def unique(prefix):
    """A resource name no other test uses."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


class Arm:
    """Bearer-token REST calls to the emulator, with the credentials `dockyard-emulator env` gives."""

    def __init__(self, env):
        self.env = env
        self.context = ssl.create_default_context(cafile=env["REQUESTS_CA_BUNDLE"])
        self._token = None

    def token(self):
        if self._token is None:
            form = urllib.parse.urlencode({
                "grant_type": "client_credentials",
                "client_id": self.env["AZURE_CLIENT_ID"],
                "client_secret": self.env["AZURE_CLIENT_SECRET"],
                "scope": self.env["AZURE_ARM_ENDPOINT"] + "/.default",
            }).encode()
            url = "%s/%s/oauth2/v2.0/token" % (self.env["AZURE_AUTHORITY_HOST"], self.env["AZURE_TENANT_ID"])
            with urllib.request.urlopen(url, data=form, context=self.context, timeout=30) as response:
                self._token = json.loads(response.read())["access_token"]
        return self._token

    def call(self, method, path, api_version, body=None):
        """(status, decoded body) of an ARM call under the subscription."""
        url = "%s/subscriptions/%s%s?api-version=%s" % (
            self.env["AZURE_ARM_ENDPOINT"], self.env["AZURE_SUBSCRIPTION_ID"], path, api_version)
        request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": "Bearer " + self.token(), "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=30) as response:
                payload = response.read()
                return response.status, json.loads(payload) if payload else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def group(self, name):
        return self.call("GET", "/resourcegroups/" + name, GROUP_API)

    def network(self, rg, kind, name, method="GET", body=None):
        return self.call(method, "/resourceGroups/%s/providers/Microsoft.Network/%s/%s" % (rg, kind, name), NETWORK_API, body)

    def vm(self, rg, name):
        return self.call("GET", "/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s" % (rg, name), COMPUTE_API)

    def disk(self, rg, name):
        return self.call("GET", "/resourceGroups/%s/providers/Microsoft.Compute/disks/%s" % (rg, name), DISK_API)

    def resources(self, rg):
        """Sorted (type, name) of everything in a resource group."""
        status, body = self.call("GET", "/resourceGroups/%s/resources" % rg, GROUP_API)
        assert status == 200, body
        return sorted((item["type"], item["name"]) for item in body["value"])
