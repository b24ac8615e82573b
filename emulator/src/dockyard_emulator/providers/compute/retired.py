"""VM extension handlers Azure no longer serves. Their artifacts were removed from the extension
repository, so Compute refuses the extension when it is written, as for any handler it does not know:
``ArtifactNotFound``, "Extension with publisher '...', type '...', and type handler version '...' could
not be found in the extension repository." The Docker extension for Linux was deprecated in 2017 and
retired in November 2018 (github.com/Azure/azure-docker-extension); templates that still declare it
fail on Azure today, and so they do here, directly or through a template deployment.
"""
from __future__ import annotations

from typing import Any

from ...errors import ArmError

RETIRED_HANDLERS = {
    ("microsoft.azure.extensions", "dockerextension"),   # Docker extension for Linux (retired 2018)
    ("msopentech.extensions", "dockerextension"),        # its pre-2015 publisher
}


def refuse_retired(properties: dict[str, Any]) -> None:
    """ArmError ArtifactNotFound (404) when the extension's handler is a retired one."""
    publisher, kind = str(properties.get("publisher", "")), str(properties.get("type", ""))
    if (publisher.lower(), kind.lower()) in RETIRED_HANDLERS:
        raise ArmError(404, "ArtifactNotFound", f"Extension with publisher '{publisher}', type '{kind}', and type "
                       f"handler version '{properties.get('typeHandlerVersion', '')}' could not be found in the "
                       "extension repository.")
