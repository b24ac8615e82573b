"""A registry's token endpoints, as Azure Container Registry serves them (the registries' token realm).

- ``POST /oauth2/exchange`` (``grant_type=access_token``, ``service``, ``access_token``[, ``tenant``]):
  a Microsoft Entra access token issued by the emulator (audience ARM or
  ``https://containerregistry.azure.net``) becomes an ACR refresh token (3 hours). This is what
  ``az acr login`` does before ``docker login -u 00000000-0000-0000-0000-000000000000 -p <refresh token>``.
- ``GET /oauth2/token?service=...&scope=...`` with HTTP Basic credentials (Docker's token flow):
  the admin user (registry name and ``password``/``password2``, while ``adminUserEnabled``) or the
  zero GUID with an ACR refresh token; anonymous when ``anonymousPullEnabled`` (pull only).
- ``POST /oauth2/token``: ``grant_type=refresh_token`` (Docker with an identity token, and ACR's own
  clients) or ``grant_type=password``.

The answer is a registry access token: an RS256 JWT in Distribution's format (``kid`` in libtrust's
form, ``access`` claims) signed with the key each registry server trusts
(``auth.token.rootcertbundle``). Every authenticated principal gets what it asks for: the emulator
has no role assignments (AcrPull/AcrPush), so any identity of its tenant may pull and push.
"""
from __future__ import annotations

import base64
import hmac
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from ... import crypto
from ...context import Context
from ...errors import RegistryAuthError, TokenError
from ...store import Resource
from ...web import Response
from .registries import PROVIDER, REGISTRY_TYPE
from .servers import TOKEN_ISSUER, servers

ZERO_GUID = "00000000-0000-0000-0000-000000000000"  # the user name that goes with an ACR refresh token
ACCESS_LIFETIME = 75 * 60
REFRESH_LIFETIME = 3 * 60 * 60
AAD_AUDIENCES = ("https://management.azure.com", "https://management.core.windows.net",
                 "https://containerregistry.azure.net")
AUTH_REQUIRED = "authentication required, visit https://aka.ms/acr/authorization for more information."

Handler = Callable[..., Response]


def _answers(handler: Handler) -> Handler:
    """Turn a RegistryAuthError into the registry's error document."""
    def run(ctx: Context, **params: str) -> Response:
        try:
            return handler(ctx, **params)
        except RegistryAuthError as exc:
            return Response(exc.status, {"errors": [{"code": exc.code, "message": exc.message}]})
    run.__doc__, run.__name__ = handler.__doc__, handler.__name__
    return run


def _registry(ctx: Context, service: str | None) -> Resource:
    """The registry whose login server is ``service``."""
    if not service:
        raise RegistryAuthError("The 'service' parameter is required.", 400, "BAD_REQUEST")
    for record in ctx.store.resources("/subscriptions/", [REGISTRY_TYPE]):
        if str(record["body"]["properties"].get("loginServer", "")).lower() == service.lower():
            return record
    raise RegistryAuthError(f"The service '{service}' is not a registry of this emulator.", 400, "BAD_REQUEST")


def _scopes(values: list[str]) -> list[dict[str, Any]]:
    """Docker's scopes (``repository:<name>:pull,push``, several per parameter or space-separated)."""
    access = []
    for value in values:
        for scope in value.split():
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind and name:
                access.append({"type": kind, "name": name, "actions": [a for a in actions.split(",") if a]})
    return access


def _access_token(ctx: Context, service: str, subject: str, access: list[dict[str, Any]]) -> str:
    keys = servers(ctx.app)
    now = int(time.time())
    claims = {"jti": str(uuid.uuid4()), "sub": subject, "nbf": now - 60, "exp": now + ACCESS_LIFETIME, "iat": now,
              "iss": TOKEN_ISSUER, "aud": service, "version": "1.0", "grant_type": "access_token", "access": access}
    return crypto.encode_jwt(claims, keys.token_key, keys.token_key_id)


def _refresh_token(ctx: Context, service: str, claims: dict[str, Any]) -> str:
    keys = servers(ctx.app)
    now = int(time.time())
    token_claims = {"jti": str(uuid.uuid4()), "sub": claims.get("oid") or claims.get("sub"), "nbf": now - 60,
                    "exp": now + REFRESH_LIFETIME, "iat": now, "iss": TOKEN_ISSUER, "aud": service, "version": "1.0",
                    "grant_type": "refresh_token", "tenant": claims.get("tid"),
                    "permissions": {"actions": ["*"], "notActions": []}}
    return crypto.encode_jwt(token_claims, keys.token_key, keys.token_key_id)


def _check_refresh_token(ctx: Context, token: str, service: str) -> str:
    """The subject of a valid ACR refresh token for ``service``."""
    try:
        _, claims = crypto.verify_jwt(token, servers(ctx.app).token_key.public_key())
    except TokenError:
        raise RegistryAuthError(AUTH_REQUIRED) from None
    if claims.get("grant_type") != "refresh_token" or str(claims.get("aud", "")).lower() != service.lower() \
            or claims.get("exp", 0) < time.time():
        raise RegistryAuthError(AUTH_REQUIRED)
    return str(claims.get("sub") or "")


def _check_password(record: Resource, username: str, password: str) -> str:
    """The subject for HTTP Basic credentials: the admin user, or the zero GUID with a refresh token."""
    props = record["body"]["properties"]
    if username.lower() == record["body"]["name"].lower() and props.get("adminUserEnabled"):
        for known in record["internal"].get("passwords") or []:
            if hmac.compare_digest(password.encode(), str(known).encode()):
                return str(record["body"]["name"])
    raise RegistryAuthError(AUTH_REQUIRED)


def _basic(ctx: Context) -> tuple[str, str] | None:
    assert ctx.request is not None
    header = ctx.request.header("authorization") or ""
    if not header.lower().startswith("basic "):
        return None
    try:
        username, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except ValueError:
        raise RegistryAuthError(AUTH_REQUIRED) from None
    return username, password


def _authenticate(ctx: Context, record: Resource, service: str, username: str, password: str) -> str:
    if username == ZERO_GUID:
        return _check_refresh_token(ctx, password, service)
    return _check_password(record, username, password)


def _grant(record: Resource, access: list[dict[str, Any]], anonymous: bool) -> list[dict[str, Any]]:
    """What the caller gets of what it asked: everything, or pull only when anonymous pull is on."""
    if not anonymous:
        return access
    if not record["body"]["properties"].get("anonymousPullEnabled"):
        raise RegistryAuthError(AUTH_REQUIRED)
    return [{**a, "actions": [x for x in a["actions"] if x == "pull"]} for a in access if a["type"] == "repository"]


@PROVIDER.data_route(["GET"], "/oauth2/token")
@_answers
def get_token(ctx: Context) -> Response:
    """Docker's token request: HTTP Basic credentials (or none) for the scopes asked."""
    assert ctx.request is not None
    query = parse_qs(ctx.request.query_string, keep_blank_values=True)
    service = (query.get("service") or [""])[-1]
    record = _registry(ctx, service)
    credentials = _basic(ctx)
    subject = _authenticate(ctx, record, service, *credentials) if credentials else ""
    access = _grant(record, _scopes(query.get("scope") or []), anonymous=credentials is None)
    return Response(200, {"access_token": _access_token(ctx, service, subject, access)})


@PROVIDER.data_route(["POST"], "/oauth2/token")
@_answers
def post_token(ctx: Context) -> Response:
    """OAuth2 form: ``grant_type=refresh_token`` (refresh_token) or ``grant_type=password``."""
    assert ctx.request is not None
    form = parse_qs(ctx.request.body.decode("utf-8", "replace"), keep_blank_values=True)
    value = lambda key: (form.get(key) or [""])[-1]  # noqa: E731
    service, grant = value("service"), value("grant_type")
    record = _registry(ctx, service)
    if grant == "refresh_token":
        subject = _check_refresh_token(ctx, value("refresh_token"), service)
    elif grant == "password":
        subject = _authenticate(ctx, record, service, value("username"), value("password"))
    else:
        raise RegistryAuthError(f"The grant type '{grant}' is not supported.", 400, "UNSUPPORTED")
    access = _scopes(form.get("scope") or [])
    return Response(200, {"access_token": _access_token(ctx, service, subject, access)})


@PROVIDER.data_route(["POST"], "/oauth2/exchange")
@_answers
def exchange(ctx: Context) -> Response:
    """A Microsoft Entra access token in, an ACR refresh token out (``az acr login``)."""
    assert ctx.request is not None
    form = parse_qs(ctx.request.body.decode("utf-8", "replace"), keep_blank_values=True)
    value = lambda key: (form.get(key) or [""])[-1]  # noqa: E731
    if value("grant_type") not in ("access_token", "access_token_refresh_token"):
        raise RegistryAuthError(f"The grant type '{value('grant_type')}' is not supported.", 400, "UNSUPPORTED")
    service = value("service")
    _registry(ctx, service)
    try:
        _, claims = crypto.verify_jwt(value("access_token"), ctx.app.signing_key.public_key())
    except TokenError:
        raise RegistryAuthError("The access token is invalid.") from None
    tenant = ctx.app.identity["tenant_id"]
    audience = str(claims.get("aud", "")).lower().rstrip("/")
    if claims.get("exp", 0) < time.time():
        raise RegistryAuthError("The access token has expired.")
    if audience not in AAD_AUDIENCES + (ctx.app.base_url.lower(),):
        raise RegistryAuthError(f"The access token has the wrong audience '{claims.get('aud')}'.")
    if str(claims.get("tid", "")).lower() != tenant.lower() or value("tenant").lower() not in ("", tenant.lower()):
        raise RegistryAuthError("The access token is from another tenant.")
    return Response(200, {"refresh_token": _refresh_token(ctx, service, claims)})
