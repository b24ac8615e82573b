"""The Custom Script extension's settings (Microsoft.Azure.Extensions/CustomScript 2.x), read as its Linux
handler reads them: the script to run, or the handler's own error message (:class:`HandlerError`)."""
from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from typing import Any

from ...errors import HandlerError

CUSTOM_SCRIPT = ("microsoft.azure.extensions", "customscript")
CSE_PUBLIC_KEYS = {"commandToExecute", "script", "fileUris", "timestamp", "skipDos2Unix"}
CSE_PROTECTED_KEYS = {"commandToExecute", "script", "fileUris", "storageAccountName", "storageAccountKey",
                      "managedIdentity"}
CSE_MAX_SCRIPT = 256 * 1024
CSE_TIMEOUT = 90 * 60      # the Custom Script extension's limit
CSE_TAIL = 4 * 1024        # the handler reports the last 4 KiB of stdout and of stderr


def custom_script_command(public: dict[str, Any], protected: dict[str, Any]) -> str | bytes:
    """The script to run for the Custom Script 2.x settings, as its handler reads them (HandlerError if invalid)."""
    for label, given, allowed in (("public", public, CSE_PUBLIC_KEYS), ("protected", protected, CSE_PROTECTED_KEYS)):
        for key in given:
            if key not in allowed:
                raise HandlerError(f"failed to get configuration: json validation error: invalid {label} settings "
                                   f"JSON: {key}: Additional property {key} is not allowed")
    if "timestamp" in public and (not isinstance(public["timestamp"], int) or isinstance(public["timestamp"], bool)):
        raise HandlerError("failed to get configuration: json validation error: invalid public settings JSON: "
                           "timestamp: Invalid type. Expected: integer")
    if "skipDos2Unix" in public and not isinstance(public["skipDos2Unix"], bool):
        raise HandlerError("failed to get configuration: json validation error: invalid public settings JSON: "
                           "skipDos2Unix: Invalid type. Expected: boolean")
    for key in ("commandToExecute", "script", "fileUris"):
        if public.get(key) and protected.get(key):
            raise HandlerError(f"failed to get configuration: invalid configuration: '{key}' was specified both in "
                               "public and protected settings; it must be specified only once")
    command = public.get("commandToExecute") or protected.get("commandToExecute")
    script = public.get("script") or protected.get("script")
    if command and script:
        raise HandlerError("failed to get configuration: invalid configuration: 'commandToExecute' and 'script' were "
                           "both specified, but only one is validate at a time")
    if not command and not script:
        raise HandlerError("failed to get configuration: invalid configuration: either 'commandToExecute' or "
                           "'script' should be specified, but neither was specified")
    uris = public.get("fileUris") or protected.get("fileUris") or []
    if uris:
        # The emulator has no internet: say so instead of pretending to download.
        raise HandlerError("processing file downloads failed: failed to download file[0]: the dockyard emulator's "
                           "VMs have no internet access, so fileUris are not supported; embed the script in the "
                           "'script' setting (base64, optionally gzip) instead")
    if command:
        return "#!/bin/sh\n" + str(command) + "\n"
    if not isinstance(script, str) or len(script) > CSE_MAX_SCRIPT:
        raise HandlerError(f"failed to execute command: The script's length ({len(str(script))}) exceeded the "
                           f"maximum allowed length of {CSE_MAX_SCRIPT}!")
    try:
        data = base64.b64decode(script, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise HandlerError(f"failed to execute command: failed to decode script: {exc}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise HandlerError(f"failed to execute command: failed to decompress script: {exc}") from None
    if not public.get("skipDos2Unix"):
        data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    # the handler runs `/bin/sh -c script.sh`: the #! line decides, else sh runs it
    return data if data.startswith(b"#!") else b"#!/bin/sh\n" + data
