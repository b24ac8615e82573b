"""Where a REST spec example's operation lives: method, URL template and query parameters.

Spec examples name their operation (operationId, e.g. "VirtualMachines_CreateOrUpdate") but not
its URL. The installed Azure SDK for Python builds every request with a generated
`build_<group>_<operation>_request` function that carries exactly that: the HTTP method, the
path template with the spec's own parameter names, and the query parameters by wire name. This
module reads those functions from the SDK's source (no SDK code runs), so the harness uses the
same URLs the unmodified SDK clients send.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SDK_MODULES = ("azure.mgmt.compute.operations._operations",
               "azure.mgmt.network.operations._operations",
               "azure.mgmt.resource.resources.operations._operations")

_BUILD = re.compile(r"^def build_(\w+?)_request\(.*?(?=^def |^class |\Z)", re.S | re.M)
_URL = re.compile(r'_url = "([^"]+)"')
_METHOD = re.compile(r'HttpRequest\(method="([A-Z]+)"')
_QUERY = re.compile(r'_params\["([^"]+)"\] = _SERIALIZER\.query')
_DEFAULT_VERSION = re.compile(r'_params\.pop\("api-version", "([^"]+)"\)')


@dataclass(frozen=True)
class Operation:
    name: str                  # the build function's name without build_/_request
    method: str
    url: str                   # "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/..."
    query: tuple[str, ...]     # wire names, e.g. ("api-version", "$expand")
    api_version: str           # the SDK's default

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"{([^}]+)}", self.url)


def normalize(operation_id: str) -> str:
    """'VirtualMachines_CreateOrUpdate' and 'virtual_machines_create_or_update' -> one key."""
    return operation_id.replace("_", "").lower()


@lru_cache(maxsize=1)
def operations() -> dict[str, Operation]:
    found: dict[str, Operation] = {}
    for module in SDK_MODULES:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.origin:
            continue
        for match in _BUILD.finditer(Path(spec.origin).read_text()):
            body = match.group(0)
            url, method = _URL.search(body), _METHOD.search(body)
            if not url or not method:
                continue
            version = _DEFAULT_VERSION.search(body)
            found.setdefault(normalize(match.group(1)), Operation(
                match.group(1), method.group(1), url.group(1), tuple(_QUERY.findall(body)),
                version.group(1) if version else ""))
    return found


def lookup(operation_id: str) -> Operation | None:
    return operations().get(normalize(operation_id))
