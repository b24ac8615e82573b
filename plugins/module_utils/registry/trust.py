# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Trust in one registry's CA for the local Docker engine, for the time of a push (private to dockyard.azure).

The Docker engine verifies a registry's certificate against the system's CAs plus the files in
``/etc/docker/certs.d/<host:port>/`` (read at every connection, so no daemon restart), and that
directory is per registry. A registry signed by a private CA (the Azure emulator's, or a company
CA) is trusted by writing its ``ca.crt`` there for the push and removing it afterwards; nothing
global changes (no ``insecure-registries``, no daemon restart)::

    with CertsDirEntry('/etc/docker/certs.d', '10.199.3.1:40123', '/path/ca.pem'):
        client.push(...)

An entry that is already there with the same content is left as it is; one with other content
is replaced for the push and put back afterwards.
"""

from __future__ import annotations

import os
from types import TracebackType

from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError

DEFAULT_CERTS_DIR = '/etc/docker/certs.d'


class RegistryTrustError(DockyardError):
    """The registry's CA could not be read or written where the Docker engine looks for it."""


def read_ca(path: str, option: str = 'registry_ca_cert') -> bytes:
    """The PEM certificates in `path`; an error naming `option` when it is not a readable PEM file."""
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except OSError as exc:
        raise RegistryTrustError('%s: cannot read %s: %s' % (option, path, exc.strerror or exc), option=option) from exc
    if b'-----BEGIN CERTIFICATE-----' not in data:
        raise RegistryTrustError('%s: %s holds no PEM certificate' % (option, path), option=option)
    return data


class CertsDirEntry:
    """``<certs_dir>/<registry>/ca.crt`` while the block runs (see the module docstring)."""

    def __init__(self, certs_dir: str, registry: str, ca_data: bytes) -> None:
        if '/' in registry or registry in ('', '.', '..'):
            raise RegistryTrustError("registry: '%s' is not a registry host[:port]" % registry, option='registry')
        self.directory = os.path.join(certs_dir, registry)
        self.path = os.path.join(self.directory, 'ca.crt')
        self.data = ca_data
        self._previous: bytes | None = None
        self._made_directory = False
        self._wrote = False

    def __enter__(self) -> CertsDirEntry:
        try:
            if os.path.exists(self.path):
                with open(self.path, 'rb') as handle:
                    current = handle.read()
                if current == self.data:
                    return self
                self._previous = current
            if not os.path.isdir(self.directory):
                os.makedirs(self.directory, mode=0o755)
                self._made_directory = True
            with open(self.path, 'wb') as handle:
                handle.write(self.data)
            os.chmod(self.path, 0o644)
            self._wrote = True
        except OSError as exc:
            self.__exit__(None, None, None)
            raise RegistryTrustError('registry_ca_cert: cannot write %s for the Docker engine: %s (the engine reads '
                                     'certs.d as root: run the task with become, or point certs_dir at the '
                                     "engine's certs.d)" % (self.path, exc.strerror or exc), option='registry_ca_cert') from exc
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if not self._wrote:
            return
        try:
            if self._previous is not None:
                with open(self.path, 'wb') as handle:
                    handle.write(self._previous)
            else:
                os.remove(self.path)
                if self._made_directory:
                    os.rmdir(self.directory)
        except OSError:
            pass  # leaving the entry behind is harmless: it names one registry only
