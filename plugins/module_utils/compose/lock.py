# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run at a time per Compose project and Docker engine: a lock the engine keeps (private to dockyard.azure).

The lock is a container named ``<project>_dockyard-lock`` that is created and never started.
Container names are unique on an engine and the engine reserves a name atomically, so of two
creates with one name exactly one succeeds and the other gets 409 Conflict, whichever controller
sent them: the engine itself guarantees that one run at a time holds the lock. The container's
labels say who holds it (host, process ID and its start time, the boot and PID namespace it runs
in, since when, until when the lease holds, a random token).

A run that finds the lock taken waits (polling) up to its `timeout`, then fails naming the holder.
It breaks the lock instead of waiting when the holder is gone:

* the holder ran on this host (same host name, boot and PID namespace) and its process has ended
  (no such PID, or a PID reused by a process that started at another time): a killed run;
* the lock's lease has expired (``expires`` label, the holder's start + its own timeout): the only
  test possible for a holder on another host.

Breaking removes the container by its ID, so a lock taken anew in the meantime (another ID) is never
removed. Release removes the container by ID too; a run that finds its lock gone when it releases
warns (someone broke it). What the lock does not cover: a run that outlives its lease while a run
on another host waits (set the timeout above the longest run), and anyone who removes the
container by hand (``docker rm``, ``docker container prune``).

The container needs no image: Docker creates a container without one (it could never start). An
engine that refuses that gets the lock from a tiny empty image, imported once
(``dockyard/compose-lock:1``).
"""

from __future__ import annotations

import io
import os
import socket
import tarfile
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import EngineError
from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import error_text, is_not_found

SUFFIX = '_dockyard-lock'
LABEL = 'dockyard.lock.'
FALLBACK_IMAGE = 'dockyard/compose-lock'
FALLBACK_TAG = '1'
POLL_INTERVAL = 0.5
DEFAULT_TIMEOUT = 600


def lock_name(project: str) -> str:
    """The name of the lock container of `project`."""
    return project + SUFFIX


def _read(path: str) -> str | None:
    try:
        with open(path, encoding='ascii', errors='replace') as handle:
            return handle.read().strip()
    except OSError:
        return None


def process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, /proc/<pid>/stat field 22), or None without /proc or process."""
    stat = _read('/proc/%d/stat' % pid)
    if not stat:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    fields = stat[stat.rfind(')') + 2:].split()
    return fields[19] if len(fields) > 19 else None


def pid_namespace() -> str:
    try:
        return os.readlink('/proc/self/ns/pid')
    except OSError:
        return ''


@dataclass(frozen=True)
class Holder:
    """Who holds (or asks for) a lock, as its labels record it."""

    host: str
    pid: int
    process_start: str
    boot_id: str
    pid_namespace: str
    since: float
    expires: float
    token: str

    @classmethod
    def this_process(cls, lease: float, now: float) -> Holder:
        pid = os.getpid()
        return cls(host=socket.gethostname(), pid=pid, process_start=process_start(pid) or '',
                   boot_id=_read('/proc/sys/kernel/random/boot_id') or '', pid_namespace=pid_namespace(),
                   since=now, expires=now + lease, token=uuid.uuid4().hex)

    def labels(self, project: str) -> dict[str, str]:
        return {LABEL + 'project': project, LABEL + 'host': self.host, LABEL + 'pid': str(self.pid),
                LABEL + 'process-start': self.process_start, LABEL + 'boot-id': self.boot_id,
                LABEL + 'pid-namespace': self.pid_namespace, LABEL + 'since': '%.3f' % self.since,
                LABEL + 'expires': '%.3f' % self.expires, LABEL + 'token': self.token}

    @classmethod
    def from_labels(cls, labels: Mapping[str, str]) -> Holder:
        def number(key: str, default: float = 0.0) -> float:
            try:
                return float(labels.get(LABEL + key) or default)
            except ValueError:
                return default
        return cls(host=labels.get(LABEL + 'host') or '?', pid=int(number('pid')),
                   process_start=labels.get(LABEL + 'process-start') or '', boot_id=labels.get(LABEL + 'boot-id') or '',
                   pid_namespace=labels.get(LABEL + 'pid-namespace') or '', since=number('since'),
                   expires=number('expires'), token=labels.get(LABEL + 'token') or '')

    def same_machine(self, other: Holder) -> bool:
        """Whether both processes run on one host, in one boot and one PID namespace (so PIDs compare)."""
        return (self.host == other.host and self.boot_id == other.boot_id and self.pid_namespace == other.pid_namespace
                and bool(self.boot_id))

    def describe(self) -> str:
        return 'host %s, pid %d, since %s' % (self.host, self.pid, _iso(self.since))


def _iso(epoch: float) -> str:
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch)) if epoch else 'an unknown time'


def holder_is_gone(holder: Holder, me: Holder, now: float) -> str | None:
    """Why the lock of `holder` may be broken by `me` (a reason), or None while it may still be in use."""
    if holder.expires and now >= holder.expires:
        return 'its lease expired at %s' % _iso(holder.expires)
    if holder.same_machine(me) and holder.pid:
        started = process_start(holder.pid)
        if started is None:
            return 'process %d on this host has ended' % holder.pid
        if holder.process_start and started != holder.process_start:
            return 'process %d on this host has ended (the PID now belongs to another process)' % holder.pid
    return None


class ProjectLock:
    """`with ProjectLock(client, project, timeout):` holds the project's lock on the engine for the block."""

    def __init__(self, client: Any, project: str, timeout: float = DEFAULT_TIMEOUT,
                 warn: Callable[[str], None] | None = None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.project = project
        self.name = lock_name(project)
        self.timeout = timeout
        self.warn: Callable[[str], None] = warn or (lambda msg: None)
        self.clock = clock
        self.sleep = sleep
        self.container_id: str | None = None
        self.waited = 0.0
        self.image = ''

    def __enter__(self) -> ProjectLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.release()

    # ------------------------------------------------------------------ acquire
    def acquire(self) -> None:
        started = self.clock()
        deadline = started + self.timeout
        me = Holder.this_process(lease=self.timeout, now=started)
        while True:
            created = self._try_create(me)
            if created:
                self.container_id = created
                self.waited = self.clock() - started
                return
            current = self._inspect()
            if current is None:
                continue  # released between our create and our look: try again at once
            holder = Holder.from_labels((current.get('Config') or {}).get('Labels') or {})
            now = self.clock()
            reason = holder_is_gone(holder, me, now)
            if reason:
                self._break(current['Id'], holder, reason)
                continue
            if now >= deadline:
                raise EngineError(
                    'project %s is locked by another run on this Docker engine (%s; lock container %s) and it did not '
                    'finish within lock_timeout=%ss. Wait for that run, or, if it is gone, remove the lock with '
                    '`docker rm %s` (it expires by itself at %s).'
                    % (self.project, holder.describe(), self.name, _seconds(self.timeout), self.name,
                       _iso(holder.expires)), option='lock_timeout', lock_holder=holder.labels(self.project))
            self.sleep(min(POLL_INTERVAL, max(deadline - now, 0.01)))

    def _body(self, me: Holder) -> dict[str, Any]:
        return {'Image': self.image, 'Cmd': ['dockyard-lock'], 'Labels': me.labels(self.project),
                'NetworkDisabled': True, 'HostConfig': {'NetworkMode': 'none'}}

    def _try_create(self, me: Holder) -> str | None:
        """The new lock container's ID, or None when the name is taken (409)."""
        for _attempt in range(2):
            try:
                return self.client.create_container_from_config(self._body(me), self.name)['Id']
            except Exception as exc:  # pylint: disable=broad-except
                status = getattr(getattr(exc, 'response', None), 'status_code', None)
                if status == 409:
                    return None
                if not self.image and status in (400, 404) and 'image' in error_text(exc).lower():
                    self.image = self._fallback_image()
                    continue
                raise EngineError('create the lock %s of project %s: %s' % (self.name, self.project, error_text(exc))) from exc
        raise EngineError('create the lock %s of project %s: the engine refuses a lock container' % (self.name, self.project))

    def _fallback_image(self) -> str:
        """An empty image for engines that refuse a container without one (imported once, then reused)."""
        ref = '%s:%s' % (FALLBACK_IMAGE, FALLBACK_TAG)
        try:
            self.client.inspect_image(ref)
            return ref
        except Exception as exc:  # pylint: disable=broad-except
            if not is_not_found(exc):
                raise EngineError('inspect image %s: %s' % (ref, error_text(exc))) from exc
        empty = io.BytesIO()
        with tarfile.open(fileobj=empty, mode='w'):
            pass
        try:
            self.client.import_image_from_data(empty.getvalue(), repository=FALLBACK_IMAGE, tag=FALLBACK_TAG)
        except Exception as exc:  # pylint: disable=broad-except
            raise EngineError('import the lock image %s: %s' % (ref, error_text(exc))) from exc
        return ref

    def _inspect(self) -> dict[str, Any] | None:
        try:
            return self.client.inspect_container(self.name)
        except Exception as exc:  # pylint: disable=broad-except
            if is_not_found(exc):
                return None
            raise EngineError('inspect the lock %s: %s' % (self.name, error_text(exc))) from exc

    def _break(self, container_id: str, holder: Holder, reason: str) -> None:
        try:
            self.client.remove_container(container_id, force=True)
        except Exception as exc:  # pylint: disable=broad-except
            if not is_not_found(exc):  # another waiter broke it first
                raise EngineError('remove the stale lock %s: %s' % (self.name, error_text(exc))) from exc
        self.warn('Removed the stale lock of project %s left by a run that is gone (%s: %s).'
                  % (self.project, holder.describe(), reason))

    def clear_stale(self) -> bool:
        """Remove the lock if its holder is gone (with a warning); True if one was removed.

        For a run with nothing to change, which takes no lock: a run killed after its last write but
        before its release left the lock, and no later run would otherwise come to break it.
        """
        current = self._inspect()
        if current is None:
            return False
        holder = Holder.from_labels((current.get('Config') or {}).get('Labels') or {})
        reason = holder_is_gone(holder, Holder.this_process(lease=self.timeout, now=self.clock()), self.clock())
        if not reason:
            return False  # a run in progress: it releases the lock itself
        self._break(current['Id'], holder, reason)
        return True

    # ------------------------------------------------------------------ release
    def release(self) -> None:
        if self.container_id is None:
            return
        container_id, self.container_id = self.container_id, None
        try:
            self.client.remove_container(container_id, force=True)
        except Exception as exc:  # pylint: disable=broad-except
            if not is_not_found(exc):
                raise EngineError('release the lock %s: %s' % (self.name, error_text(exc))) from exc
            self.warn('The lock %s of project %s was removed by someone else while this run held it: another run may '
                      'have changed the project at the same time; run again to converge.' % (self.name, self.project))


def _seconds(value: float) -> str:
    return ('%d' % value) if float(value).is_integer() else ('%.1f' % value)
