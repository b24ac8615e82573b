"""Microsoft Entra ID look-alike: OpenID discovery, the token endpoint, cloud metadata, token checks.

Access tokens are RS256 JWTs signed with a key kept in the state, so they stay valid across
restarts until they expire.
"""

import base64
import datetime
import hmac
import time
import uuid
from functools import partial
from urllib.parse import urlparse

from . import crypto
from .errors import AadError, ArmError, TokenError
from .web import Response, Route

TOKEN_LIFETIME = 3599
FEDERATED_AUDIENCE = "api://azureadtokenexchange"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ARM_AUDIENCES = ("https://management.azure.com", "https://management.core.windows.net")


def _tenant(ctx, tenant, allow_common=False):
    known = ctx.app.identity["tenant_id"]
    if tenant.lower() == known.lower() or (allow_common and tenant.lower() in ("common", "organizations")):
        return known
    raise AadError(400, "invalid_request", 90002, f"Tenant '{tenant}' not found. Check to make sure you have the "
                   "correct tenant ID and are signing into the correct cloud.")


def openid_configuration(ctx, tenant, version=""):
    tenant = _tenant(ctx, tenant, allow_common=True)
    base = f"{ctx.app.base_url}/{tenant}"
    v2 = "/v2.0" if version else ""
    return Response(200, {
        "token_endpoint": f"{base}/oauth2{v2}/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{base}/discovery{v2}/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base}{v2}" if v2 else f"{base}/",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{ctx.app.base_url}/oidc/userinfo",
        "authorization_endpoint": f"{base}/oauth2{v2}/authorize",
        "device_authorization_endpoint": f"{base}/oauth2{v2}/devicecode",
        "http_logout_supported": True, "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/oauth2{v2}/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "appid", "azp"],
        "tenant_region_scope": "EU", "cloud_instance_name": "dockyard.emulator",
        "cloud_graph_host_name": "graph.windows.net", "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    })


def keys(ctx, tenant=None):
    return Response(200, {"keys": [crypto.jwk(ctx.app.signing_key.public_key(), ctx.app.key_id)]})


def instance_discovery(ctx):
    """MSAL's instance discovery, answered for the emulator's own host."""
    endpoint = ctx.request.query.get("authorization_endpoint", "")
    tenant = (urlparse(endpoint).path.strip("/").split("/") or ["common"])[0] or "common"
    host = urlparse(ctx.app.base_url).netloc
    return Response(200, {
        "tenant_discovery_endpoint": f"{ctx.app.base_url}/{tenant}/v2.0/.well-known/openid-configuration",
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    })


def cloud_metadata(ctx):
    """ARM's /metadata/endpoints (the array format), pointing at the emulator."""
    base = ctx.app.base_url
    return Response(200, [{
        "name": "DockyardEmulator",
        "portal": base, "resourceManager": f"{base}/", "gallery": f"{base}/", "media": f"{base}/",
        "graph": "https://graph.windows.net/", "graphAudience": "https://graph.windows.net/",
        "batch": "https://batch.core.windows.net/", "sqlManagement": "https://management.core.windows.net:8443/",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "vmImageAliasDoc": f"{base}/metadata/vmImageAliasDoc",
        "authentication": {
            "loginEndpoint": f"{base}/",
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/", f"{base}/"],
            "tenant": "common", "identityProvider": "AAD",
        },
        "suffixes": {"storage": "core.windows.net", "keyVaultDns": "vault.azure.net", "acrLoginServer": "azurecr.io",
                     "sqlServerHostname": "database.windows.net", "azureFrontDoorEndpointSuffix": "azurefd.net"},
    }])


def _client_credentials(form, header):
    """client_id / client_secret from the form or from HTTP Basic authentication."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if header and header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            pass
    return client_id, secret


def _check_assertion(ctx, assertion_type, assertion, token_url):
    client_id = ctx.app.identity["client_id"]
    if assertion_type != ASSERTION_TYPE:
        raise AadError(400, "invalid_request", 50027, "Invalid client_assertion_type: expected "
                       f"'{ASSERTION_TYPE}'.")
    try:
        header, claims, _, _ = crypto.decode_jwt(assertion)
    except TokenError:
        raise AadError(400, "invalid_request", 50027, "JWT token is invalid or malformed.") from None
    audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    audiences = [a.lower().rstrip("/") for a in audiences if isinstance(a, str)]
    now = time.time()
    if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] < now - 300:
        raise AadError(400, "invalid_client", 700024, "Client assertion is not within its valid time range.")
    if FEDERATED_AUDIENCE in audiences:
        # Workload identity federation: any issuer/subject is federated with the emulator's client.
        if not claims.get("iss") or not claims.get("sub"):
            raise AadError(400, "invalid_request", 50027, "JWT token is invalid or malformed: 'iss' and 'sub' are "
                           "required.")
        return
    if token_url.lower().rstrip("/") in audiences:
        # Certificate credential: signed with the key of the state dir's client.pem.
        thumbprints, public_key = crypto.client_certificate_thumbprints(ctx.app.state_dir)
        presented = {str(header.get(k, "")).rstrip("=") for k in ("x5t", "x5t#S256")}
        if not presented & thumbprints:
            raise AadError(401, "invalid_client", 700027, "The certificate with identifier used to sign the client "
                           f"assertion is not registered on application. [Reason - The key was not found., "
                           f"Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see "
                           f"configured keys for app Id '{client_id}'.]")
        try:
            crypto.verify_jwt(assertion, public_key)
        except TokenError:
            raise AadError(401, "invalid_client", 700027, "Client assertion failed signature validation.") from None
        if claims.get("iss") != client_id or claims.get("sub") != client_id:
            raise AadError(401, "invalid_client", 700023, "Client assertion audience claim does not match Realm "
                           "issuer.")
        return
    raise AadError(400, "invalid_client", 700212, "No matching federated identity record found for presented "
                   f"assertion audience '{', '.join(audiences)}'.")


def token(ctx, tenant, version=""):
    """POST {tenant}/oauth2[/v2.0]/token: the client_credentials grant with a secret or a client assertion."""
    tenant = _tenant(ctx, tenant)
    form, identity = ctx.request.form(), ctx.app.identity
    token_url = f"{ctx.app.base_url}{ctx.request.path}"
    if form.get("grant_type") != "client_credentials":
        raise AadError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type "
                       f"'{form.get('grant_type')}'.")
    client_id, secret = _client_credentials(form, ctx.request.header("authorization"))
    if not client_id:
        raise AadError(400, "invalid_request", 900144, "The request body must contain the following parameter: "
                       "'client_id'.")
    if client_id.lower() != identity["client_id"].lower():
        raise AadError(400, "unauthorized_client", 700016, f"Application with identifier '{client_id}' was not "
                       f"found in the directory '{tenant}'. This can happen if the application has not been "
                       "installed by the administrator of the tenant or consented to by any user in the tenant.")
    if form.get("client_assertion"):
        _check_assertion(ctx, form.get("client_assertion_type"), form["client_assertion"], token_url)
    elif secret is None:
        raise AadError(401, "invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is "
                       "required for the 'client_credentials' grant type.")
    elif not hmac.compare_digest(secret.encode(), identity["client_secret"].encode()):
        raise AadError(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being "
                       "sent in the request is the client secret value, not the client secret ID, for a secret "
                       f"added to app '{client_id}'.")
    if version:
        scope = form.get("scope", "")
        resources = [s[: -len("/.default")] for s in scope.split() if s.endswith("/.default")]
        if len(resources) != 1:
            raise AadError(400, "invalid_scope", 1002012, f"The provided value for scope {scope} is not valid. "
                           "Client credential flows must have a scope value with /.default suffixed to the resource "
                           "identifier (application ID URI).")
        audience = resources[0]
    else:
        audience = form.get("resource") or ""
    now = int(time.time())
    claims = {"aud": audience, "iss": f"{ctx.app.base_url}/{tenant}/", "iat": now, "nbf": now,
              "exp": now + TOKEN_LIFETIME, "appid": identity["client_id"], "appidacr": "1", "idtyp": "app",
              "oid": identity["principal_id"], "sub": identity["principal_id"], "tid": tenant,
              "uti": uuid.uuid4().hex, "ver": "1.0"}
    access_token = crypto.encode_jwt(claims, ctx.app.signing_key, ctx.app.key_id)
    body = {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "ext_expires_in": TOKEN_LIFETIME,
            "access_token": access_token}
    if not version:
        body.update(expires_on=str(claims["exp"]), not_before=str(now), resource=audience)
    return Response(200, body)


def authenticate(app, header):
    """Check an ARM request's Authorization header; raise ARM's 401 when it is not a valid token."""
    challenge = f'Bearer authorization_uri="{app.base_url}/{app.identity["tenant_id"]}", error="invalid_token"'

    def fail(code, message):
        return ArmError(401, code, message,
                        headers={"WWW-Authenticate": f'{challenge}, error_description="{message}"'})

    if not header:
        raise fail("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise fail("AuthenticationFailedInvalidHeader", "Authentication failed. The 'Authorization' header is "
                   "provided in an invalid format.")
    try:
        _, claims = crypto.verify_jwt(token.strip(), app.signing_key.public_key())
    except TokenError:
        raise fail("InvalidAuthenticationToken", "The access token is invalid.") from None
    now = time.time()
    if claims.get("exp", 0) < now:
        expiry = datetime.datetime.fromtimestamp(claims.get("exp", 0), datetime.timezone.utc)
        raise fail("ExpiredAuthenticationToken", f"The access token expiry UTC time '{expiry:%m/%d/%Y %I:%M:%S %p}' "
                   "is earlier than current UTC time.")
    allowed = ARM_AUDIENCES + (app.base_url,)
    if str(claims.get("aud", "")).lower().rstrip("/") not in allowed:
        raise fail("InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or "
                   f"resource '{claims.get('aud')}'. It should exactly match with one of the allowed audiences "
                   f"'{', '.join(a + '/' for a in allowed)}'.")
    if str(claims.get("tid", "")).lower() != app.identity["tenant_id"].lower():
        raise fail("InvalidAuthenticationTokenTenant", "The access token is from the wrong issuer.")
    return claims


ROUTES = [
    Route(["GET"], "/{tenant}/.well-known/openid-configuration", openid_configuration),
    Route(["GET"], "/{tenant}/v2.0/.well-known/openid-configuration", partial(openid_configuration, version="v2.0")),
    Route(["GET"], "/{tenant}/discovery/keys", keys),
    Route(["GET"], "/{tenant}/discovery/v2.0/keys", keys),
    Route(["POST"], "/{tenant}/oauth2/token", token),
    Route(["POST"], "/{tenant}/oauth2/v2.0/token", partial(token, version="v2.0")),
    Route(["GET"], "/common/discovery/instance", instance_discovery),
    Route(["GET"], "/metadata/endpoints", cloud_metadata),
]
