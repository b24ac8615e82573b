# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one exception hierarchy (private to dockyard.azure).

Every failure a module reports is a DockyardError or a subclass: the message is the whole
one-line text the user sees, `option` names the module option it concerns (when one does), and
`extra` holds fields that go into the failed result (for example `error_code`). The module
base classes turn any DockyardError into exactly one `fail_json` call; see
module_utils/base_module.py.

Domain errors (Compose loading, planning, the engine, TLS material, the install script, Azure
calls, connection settings) derive from it in their own packages, so `except DockyardError`
catches everything the collection raises on purpose.
"""

from __future__ import annotations

from typing import Any


class DockyardError(Exception):
    """A failure reported as is: `msg` is the message, `option` the option at fault, `extra` result fields."""

    def __init__(self, msg: str, option: str | None = None, **extra: Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.option = option
        self.extra = extra

    def result_fields(self) -> dict[str, Any]:
        """The fields the failed result carries besides `msg` (`option` only when one is at fault)."""
        fields = dict(self.extra)
        if self.option:
            fields['option'] = self.option
        return fields


def one_line(text: object) -> str:
    """`text` with every run of white space folded to one space (messages stay on one line).

    Here rather than in base_module, so code that builds messages (managers, the Compose engine) does
    not import ansible.module_utils.basic.
    """
    if isinstance(text, bytes):
        text = text.decode('utf-8', 'replace')
    return ' '.join(str(text).split())


class MissingLibraryError(DockyardError):
    """A Python package a module needs could not be imported; `package` is its pip name."""

    def __init__(self, package: str, import_error: BaseException | str | None = None) -> None:
        detail = ': %s' % import_error if import_error else ''
        super().__init__('the Python package %s is required on the host that runs the module%s' % (package, detail))
        self.package = package
        self.import_error = import_error
