"""ARM's paging of list operations: a page of ``value`` and a ``nextLink`` carrying a ``$skiptoken``.

ARM resource providers answer a collection GET with at most a page of items and, when more remain,
a ``nextLink``: the same URL (api-version, ``$expand``, ``statusOnly``, ``$filter`` kept) plus an
opaque ``$skiptoken``. Clients follow it until a page comes without one (the Azure SDK's pagers do).

Page sizes are per resource type (``ResourceType.page_size``). What the public record shows:

* Microsoft.Compute virtual machines: the subscription listing answers at most 50 VMs *per region*
  in a page (CLI and SDK reports "only the first 50 per region" / "limited to 50"; a 1,200-VM
  subscription came back in pages of 299, 250, 211, 116, 81, 50, 50, 50, 50, 48: up to 50 from each
  region still holding VMs). The emulator pages both the subscription and the resource group
  listing that way (``page_per_location``).
* Other providers (Microsoft.Network among them) publish no page size; 1000, the size of ARM's own
  ``/resources`` and Resource Graph pages, is assumed.

The ``$skiptoken`` is stateless: for each location (or one bucket) it names the id of the last item
served, so items created or deleted between pages neither repeat nor shift the rest. The
``max_page_size`` fault setting (``dockyard-emulator faults --max-page-size N``) caps every page size
at run time, so tests can walk several pages without creating thousands of resources.
"""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode

from .errors import ArmError

if TYPE_CHECKING:
    from .context import Context
    from .store import Resource

DEFAULT_PAGE_SIZE = 1000
ONE_BUCKET = ""


def invalid_token(token: str) -> ArmError:
    return ArmError(400, "InvalidSkipToken", f"The provided skip token '{token}' is not valid.")


def decode_token(token: str | None) -> dict[str, str]:
    """{bucket: id of the last item served} from a ``$skiptoken`` (empty: the first page)."""
    if not token:
        return {}
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):
        raise invalid_token(token) from None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise invalid_token(token)
    return value


def encode_token(after: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(after, sort_keys=True).encode()).decode().rstrip("=")


def page_of(items: Sequence[Resource], token: str | None, size: int,
            bucket: Callable[[Resource], str]) -> tuple[list[Resource], str | None]:
    """The items of the page ``token`` points at (at most ``size`` of each bucket) and the next token.

    ``items`` are sorted by key (the store's order); a bucket is a location for per-region paging,
    else everything is one bucket."""
    after = decode_token(token)
    remaining: dict[str, list[Resource]] = {}
    for item in items:
        name = bucket(item)
        if item["id"].lower() > after.get(name, ""):
            remaining.setdefault(name, []).append(item)
    page: list[Resource] = []
    next_after = dict(after)
    more = False
    for name, rest in remaining.items():
        page.extend(rest[:size])
        if len(rest) > size:
            more = True
        next_after[name] = rest[:size][-1]["id"].lower()
    page.sort(key=lambda item: item["id"].lower())
    return page, encode_token(next_after) if more else None


def page_size(ctx: Context, default: int) -> int:
    """The type's page size, capped by the ``max_page_size`` fault setting when one is set."""
    cap = int(ctx.app.faults.settings.get("max_page_size") or 0)
    return min(default, cap) if cap > 0 else default


def next_link(ctx: Context, token: str) -> str:
    """The request's URL (its query kept, any previous ``$skiptoken`` replaced) with ``$skiptoken=token``."""
    assert ctx.request is not None
    query = [(k, v) for k, v in parse_qsl(ctx.request.query_string, keep_blank_values=True)
             if k.lower() != "$skiptoken"]
    query.append(("$skiptoken", token))
    return f"{ctx.app.base_url}{quote(ctx.request.path)}?{urlencode(query, safe='$,')}"


def paged_list(ctx: Context, items: Sequence[Resource], size: int, per_location: bool,
               render: Callable[[Resource], dict[str, Any]]) -> dict[str, Any]:
    """The body of a collection GET: a page of rendered items and, when more remain, its ``nextLink``."""
    def bucket(item: Resource) -> str:
        return str(item["body"].get("location") or ONE_BUCKET) if per_location else ONE_BUCKET

    page, token = page_of(items, ctx.query.get("$skiptoken"), page_size(ctx, size), bucket)
    body: dict[str, Any] = {"value": [render(item) for item in page]}
    if token:
        body["nextLink"] = next_link(ctx, token)
    return body
