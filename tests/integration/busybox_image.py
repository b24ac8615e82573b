# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The integration tests' image, built with no registry: FROM scratch plus the controller's static busybox.

No image can be pulled on this machine (no Docker Hub), so every suite that needs a container
builds this one, on the local engine or on a VM's engine, from /bin/busybox (busybox-static).
"""

from __future__ import annotations

import io
import os
import tarfile

import pytest

BUSYBOX = "/bin/busybox"


def busybox_context(*extra_lines: str) -> io.BytesIO:
    """A build context (a tar stream at position 0): busybox installed in /bin, then ``extra_lines``."""
    if not os.path.exists(BUSYBOX):
        pytest.fail("%s is missing: apt-get install busybox-static" % BUSYBOX)
    dockerfile = "".join(line + "\n" for line in (
        "FROM scratch", "COPY busybox /bin/busybox", 'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
        *extra_lines)).encode()
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
        tar.add(BUSYBOX, arcname="busybox")
    context.seek(0)
    return context


def build_busybox(client, tag: str, *extra_lines: str):
    """Build the image on ``client``'s engine (a docker.DockerClient) as ``tag``; returns the Image."""
    image, _logs = client.images.build(fileobj=busybox_context(*extra_lines), custom_context=True, tag=tag, rm=True)
    return image
