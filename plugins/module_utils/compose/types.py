# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shapes passed between the Compose state reader, planner and engine (private to dockyard.azure).

Plain dicts at run time (they go into module results as they are); TypedDicts so that the seams
say what they carry. The model itself is the loader's output: a dict shaped like
``docker compose config --format json``.
"""

from __future__ import annotations

from typing import Any, TypedDict

# What load_project returns (see compose/loader.py).
Model = dict[str, Any]


class ObservedContainer(TypedDict):
    """One container of the project as the engine lists it (compose/state.py parse_container)."""

    id: str
    name: str
    service: str | None
    number: int
    oneoff: bool
    config_hash: str | None
    image_label: str | None
    image: str | None
    state: str
    status: str
    health: str | None
    exit_code: int | None
    networks: list[str]
    ports: list[dict[str, Any]]
    labels: dict[str, str]


class ObservedNetwork(TypedDict):
    id: str | None
    labels: dict[str, str]


class DuplicateNetwork(TypedDict):
    """A second network with the name of a project network (left by a race), with the containers it has."""

    name: str
    id: str
    labels: dict[str, str]
    containers: list[str]


class ObservedVolume(TypedDict):
    labels: dict[str, str]


class ObservedState(TypedDict, total=False):
    """What the engine has of a project: containers, networks and volumes by real name, image IDs by reference.

    `networks` holds one network per name; others of the same name are in `duplicate_networks`."""

    containers: list[ObservedContainer]
    networks: dict[str, ObservedNetwork]
    volumes: dict[str, ObservedVolume]
    images: dict[str, str | None]
    duplicate_networks: list[DuplicateNetwork]


class PlanOptions(TypedDict, total=False):
    """How to converge (the compose module's options the planner reads); see options.DEFAULT_OPTIONS."""

    state: str
    recreate: str
    pull: str
    build: str
    remove_orphans: bool
    scale: dict[str, Any] | None
    services: list[str] | None
    remove_volumes: bool
    remove_images: str | None
    all_service_names: list[str] | None


class Action(TypedDict, total=False):
    """One step of a plan, as the module returns it in `actions`."""

    action: str        # pull, build, create, recreate, start, stop, restart, unpause, remove, noop
    type: str          # image, network, volume, container
    name: str
    service: str | None
    number: int | None
    id: str | None
    reason: str
    key: str | None  # the network's or volume's key in the model
    config_hash: str


class ServicePlan(TypedDict, total=False):
    order: int
    replicas: int
    config_hash: str | None
    image: str
    image_id: str | None
    depends_on: dict[str, Any]
    containers: list[Action]


class Plan(TypedDict):
    """The plan of one run: per kind of object what to do, and all of it flat in `actions`, in order."""

    project: str
    state: str
    images: list[Action]
    networks: list[Action]
    volumes: list[Action]
    services: dict[str, ServicePlan]
    orphans: list[Action]
    warnings: list[str]
    actions: list[Action]
    changed: bool
