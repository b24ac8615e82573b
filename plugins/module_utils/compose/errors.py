# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Compose branch of the collection's one error hierarchy (private to dockyard.azure).

Every error of the Compose implementation is a ComposeError, hence a DockyardError: the module
base class turns it into one `fail_json` line whatever call site raised it. The loader raises
ComposeError itself, naming the file and the key at fault; its pure helpers raise the narrower
types below without knowing the file, and the loader adds it where it can.

    DockyardError
      ComposeError            loading: a file, a key, a message
        FormatError           a short syntax or scalar format (ports, volumes, sizes, durations)
        TemplateError         invalid ${...} syntax
        MissingRequiredError  ${VAR:?} / ${VAR?} without a value
        DotEnvError           a malformed .env file
        ModelError            a value that does not convert to its declared type
        ComposeOptionError    a module option or a combination of options (`option` names it)
        SpecError             a service this engine cannot express as a container
        PlanError             a model that cannot be deployed as asked
        EngineError           the Docker engine refused or failed an operation
"""

from __future__ import annotations

import os
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError

INLINE_NAME = '(inline content)'


class ComposeError(DockyardError):
    """Any reason a Compose project cannot be loaded, planned or deployed.

    `file` and `key` name where the problem is, when known; the message starts with them
    (`compose.yaml: services.web.ports[0]: invalid port "x"`).
    """

    def __init__(self, message: str, file: str | None = None, key: str | None = None,
                 option: str | None = None, **extra: Any) -> None:
        self.file = file
        self.key = key
        parts = []
        if file:
            parts.append(os.path.basename(file) if file != INLINE_NAME else file)
        if key:
            parts.append(key)
        parts.append(message)
        super().__init__(': '.join(parts), option=option, **extra)


class FormatError(ComposeError):
    """A value does not follow the expected short syntax."""


class TemplateError(ComposeError):
    """Invalid interpolation syntax."""


class MissingRequiredError(ComposeError):
    """A ``:?``/``?`` variable has no value."""

    def __init__(self, variable: str, reason: str) -> None:
        self.variable = variable
        self.reason = reason
        if reason:
            msg = 'required variable %s is missing a value: %s' % (variable, reason)
        else:
            msg = 'required variable %s is missing a value' % variable
        super().__init__(msg)


class DotEnvError(ComposeError):
    """Malformed env file."""


class ModelError(ComposeError):
    """A value cannot be converted to its declared type."""


class ComposeOptionError(ComposeError):
    """A module option, or a combination of options, is invalid; `option` names the option."""


class SpecError(ComposeError):
    """A service uses something this engine cannot express."""


class PlanError(ComposeError):
    """The model cannot be deployed as asked; the message is one line naming the culprit."""


class EngineError(ComposeError):
    """Applying the plan failed; the message is one line naming the object."""
