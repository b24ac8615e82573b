# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DockyardModule: what AzureModule and DockerModule share (private to dockyard.azure).

A module declares only its own options; the base class merges the common options of its
family (Azure or Docker) and owns the one error funnel:

    module = DockerModule(argument_spec=SPEC, supports_check_mode=True)
    with module.errors():
        result = SomeManager(module.context()).run()
    module.exit_json(**result)

Inside `errors()` every exception becomes one `fail_json` line: a DockyardError as it is, an
SDK error translated by the family's `translate_error`, anything else as
'<operation>: <Type>: <message>'. The traceback goes into `exception`, shown with -vvv.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError, MissingLibraryError, one_line

__all__ = ['DockyardModule', 'merge_argument_spec', 'one_line']


def merge_argument_spec(common: Mapping[str, Mapping[str, Any]], own: Mapping[str, Any] | None) -> dict[str, Any]:
    """The family's common options plus the module's own (copied); a module option wins on a name clash."""
    spec = {name: dict(option) for name, option in common.items()}
    spec.update(own or {})
    return spec


class DockyardModule(AnsibleModule):
    """AnsibleModule with the collection's error funnel. Subclasses set COMMON_ARGUMENT_SPEC."""

    COMMON_ARGUMENT_SPEC: Mapping[str, Mapping[str, Any]] = {}

    def __init__(self, argument_spec: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(argument_spec=merge_argument_spec(self.COMMON_ARGUMENT_SPEC, argument_spec), **kwargs)

    def translate_error(self, exc: BaseException, operation: str | None) -> DockyardError | None:
        """The DockyardError an SDK exception stands for, or None when the family does not know it."""
        return None

    def fail_from_exception(self, exc: BaseException, operation: str | None = None) -> NoReturn:
        """fail_json with one line for any exception; the traceback only shows with -vvv."""
        tb = ''.join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        error = exc if isinstance(exc, DockyardError) else self.translate_error(exc, operation)
        if isinstance(error, MissingLibraryError):
            self.fail_json(msg=missing_required_lib(error.package), exception=tb, **error.result_fields())
        if error is not None:
            self.fail_json(msg=error.msg, exception=tb, **error.result_fields())
        message = one_line(exc) or type(exc).__name__
        prefix = operation + ': ' if operation else ''
        self.fail_json(msg='%s%s: %s' % (prefix, type(exc).__name__, message), exception=tb)
        raise AssertionError('fail_json returned')  # it exits; this tells type checkers so

    @contextmanager
    def errors(self, operation: str | None = None) -> Iterator[None]:
        """Turn every exception in the block into one fail_json line (exit_json/fail_json's SystemExit passes)."""
        try:
            yield
        except Exception as exc:  # pylint: disable=broad-except
            self.fail_from_exception(exc, operation)
