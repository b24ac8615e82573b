# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a stack should be and what the swarm has (private to dockyard.azure).

`DesiredStack` is the Compose project translated into swarm objects (stack_convert.py);
`ObservedSwarm` is what one read of the manager returned (stack_engine.py); the planner
(stack_planner.py) turns both into a `StackPlan`. Labels are the ones `docker stack deploy` sets,
so the Docker CLI and this collection see the same stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Labels of `docker stack deploy` (docker/cli cli/compose/convert).
LABEL_NAMESPACE = 'com.docker.stack.namespace'
LABEL_IMAGE = 'com.docker.stack.image'
# Our own: the content digest of a config or secret version (the suffix of its name). A secret's
# data cannot be read back from the engine, so this label is how a later run knows what it holds.
LABEL_DIGEST = 'dockyard.azure.digest'

# Swarm object names (configs, secrets) are at most 64 characters.
MAX_OBJECT_NAME = 64


@dataclass
class DesiredNetwork:
    """A network of the stack: created when missing (never changed in place, as with the CLI)."""

    key: str
    name: str
    external: bool = False
    driver: str = 'overlay'
    options: dict[str, str] = field(default_factory=dict)
    ipam: dict[str, Any] | None = None
    internal: bool = False
    attachable: bool = False
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class DesiredFileObject:
    """A config or secret. `base_name` is what the CLI would call it; `name` is our versioned name."""

    kind: str  # 'config' or 'secret'
    key: str
    base_name: str
    name: str
    external: bool = False
    data: bytes = b''
    digest: str = ''
    labels: dict[str, str] = field(default_factory=dict)
    templating: dict[str, Any] | None = None
    driver: dict[str, Any] | None = None

    def __repr__(self) -> str:  # never show a secret's data, even in a traceback
        return 'DesiredFileObject(%s %s -> %s, digest=%s)' % (self.kind, self.key, self.name, self.digest)


@dataclass
class DesiredVolume:
    key: str
    name: str
    external: bool = False
    driver: str = 'local'


@dataclass
class DesiredService:
    """One service: `spec` is the engine's ServiceSpec with networks, configs and secrets by name."""

    key: str
    name: str
    spec: dict[str, Any]
    image: str
    volume_drivers: list[str] = field(default_factory=list)


@dataclass
class DesiredStack:
    name: str
    services: dict[str, DesiredService] = field(default_factory=dict)
    networks: dict[str, DesiredNetwork] = field(default_factory=dict)
    configs: dict[str, DesiredFileObject] = field(default_factory=dict)
    secrets: dict[str, DesiredFileObject] = field(default_factory=dict)
    volumes: dict[str, DesiredVolume] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def file_objects(self) -> list[DesiredFileObject]:
        return list(self.configs.values()) + list(self.secrets.values())


@dataclass
class ObservedSwarm:
    """One read of a manager: every service, network, config, secret and node of the swarm."""

    services: list[dict[str, Any]] = field(default_factory=list)
    networks: list[dict[str, Any]] = field(default_factory=list)
    configs: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)

    def stack_services(self, stack: str) -> dict[str, dict[str, Any]]:
        """The services of `stack` by name (the namespace label decides, as for `docker stack services`)."""
        return {s['Spec']['Name']: s for s in self.services if _labels(s).get(LABEL_NAMESPACE) == stack}

    def network_names(self) -> dict[str, str]:
        """Network ID -> name (service specs read back from the engine name networks by ID)."""
        return {n['Id']: n['Name'] for n in self.networks if n.get('Id')}

    def network_by_name(self, name: str) -> dict[str, Any] | None:
        for network in self.networks:
            if network.get('Name') == name or network.get('Id') == name:
                return network
        return None

    def objects(self, kind: str) -> dict[str, dict[str, Any]]:
        """Configs or secrets by name."""
        items = self.configs if kind == 'config' else self.secrets
        return {o['Spec']['Name']: o for o in items}


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    return ((obj.get('Spec') or {}).get('Labels')) or {}


@dataclass
class Action:
    """One write of the plan. `changes` names what differs (services) or why (other objects)."""

    action: str  # create, update, recreate, remove, adopt
    kind: str  # network, config, secret, service
    name: str
    key: str | None = None
    changes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {'action': self.action, 'kind': self.kind, 'name': self.name}
        if self.key is not None:
            out['key'] = self.key
        if self.changes:
            out['changes'] = list(self.changes)
        return out


@dataclass
class ServicePlan:
    """What happens to one service: its final spec and the diff between the engine's and ours."""

    key: str
    name: str
    action: str  # create, update, recreate, none
    spec: dict[str, Any]
    service_id: str | None = None
    version: int | None = None
    changes: list[str] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


@dataclass
class StackPlan:
    stack: str
    actions: list[Action] = field(default_factory=list)
    services: dict[str, ServicePlan] = field(default_factory=dict)
    # (kind, key) -> the engine name the services will reference
    object_names: dict[tuple[str, str], str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.actions)

    def of(self, kind: str, action: str | None = None) -> list[Action]:
        return [a for a in self.actions if a.kind == kind and (action is None or a.action == action)]
