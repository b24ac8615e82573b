"""The provider registry: which resource provider namespaces the emulator serves.

A provider module creates one :class:`Provider` (its namespace), registers its
:class:`~dockyard_emulator.resource_type.ResourceType` subclasses with ``@PROVIDER.resource_type``
and its other paths with ``@PROVIDER.route``. ``providers.PROVIDERS`` lists the modules the
emulator loads; each emulator builds its own :class:`Registry` from that list.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from . import locations
from .web import Handler, Route

if TYPE_CHECKING:
    from .resource_type import ResourceType
    from .server import Emulator

T = TypeVar("T", bound="ResourceType")
H = TypeVar("H", bound=Handler)


class Provider:
    """A resource provider namespace, e.g. Microsoft.ManagedIdentity."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.types: dict[str, ResourceType] = {}  # lower-cased type path -> ResourceType instance
        self.routes: list[Route] = []
        # non-resource types listed in the manifest (e.g. locations/vmSizes) -> api-versions
        self.extra_types: dict[str, tuple[str, ...]] = {}
        # data-plane paths outside ARM (no bearer token, no api-version), e.g. a registry's token endpoints
        self.data_routes: list[Route] = []
        # called with the Emulator when it starts serving / stops (long-lived helpers a provider runs)
        self.startup: list[Callable[[Emulator], None]] = []
        self.shutdown: list[Callable[[Emulator], None]] = []

    def resource_type(self, cls: type[T]) -> type[T]:
        """Class decorator: register a ResourceType subclass (one instance serves every request)."""
        self.types[cls.name.lower()] = cls(self)
        return cls

    def instance(self, cls: type[T]) -> T:
        """The registered instance of the ResourceType subclass ``cls``."""
        instance = self.types[cls.name.lower()]
        assert isinstance(instance, cls)
        return instance

    def route(self, methods: list[str], template: str, api_versions: tuple[str, ...] | None = None,
              manifest_type: str | None = None) -> Callable[[H], H]:
        """Decorator for a handler ``f(ctx, **path_vars) -> Response`` of a non-resource path.

        ``manifest_type`` (e.g. "locations/vmSizes") lists the path in the provider's manifest."""
        if manifest_type and api_versions:
            self.extra_types[manifest_type] = api_versions

        def register(func: H) -> H:
            self.routes.append(Route(methods, template, func, api_versions))
            return func
        return register

    def data_route(self, methods: list[str], template: str) -> Callable[[H], H]:
        """Decorator for a handler ``f(ctx, **path_vars) -> Response`` of a data-plane path (not ARM: no
        bearer token, no api-version; answered next to the identity endpoints)."""
        def register(func: H) -> H:
            self.data_routes.append(Route(methods, template, func))
            return func
        return register

    def on_start(self, func: Callable[[Emulator], None]) -> Callable[[Emulator], None]:
        """Decorator: ``func(app)`` runs when the emulator starts serving (e.g. restart helper processes)."""
        self.startup.append(func)
        return func

    def on_stop(self, func: Callable[[Emulator], None]) -> Callable[[Emulator], None]:
        """Decorator: ``func(app)`` runs when the emulator stops (e.g. stop helper processes)."""
        self.shutdown.append(func)
        return func

    def manifest(self, subscription: str) -> dict[str, Any]:
        displays = [locations.DISPLAY[n] for n in locations.NAMES]
        types: list[dict[str, Any]] = [
            {"resourceType": t.name, "locations": [] if not t.tracked else displays,
             "apiVersions": list(t.api_versions), "defaultApiVersion": t.api_versions[0], "capabilities": "None"}
            for t in self.types.values()]
        types += [{"resourceType": name, "locations": displays, "apiVersions": list(versions),
                   "defaultApiVersion": versions[0], "capabilities": "None"}
                  for name, versions in self.extra_types.items()]
        versions = sorted({v for t in self.types.values() for v in t.api_versions}, reverse=True)
        types += [{"resourceType": extra, "locations": [], "apiVersions": versions}
                  for extra in ("operations", "locations", "locations/operations", "locations/operationStatuses",
                                "locations/operationResults") if extra not in self.extra_types]
        return {"id": f"/subscriptions/{subscription}/providers/{self.namespace}", "namespace": self.namespace,
                "registrationState": "Registered", "registrationPolicy": "RegistrationRequired",
                "resourceTypes": types}


class Registry:
    """The providers one emulator serves, by namespace."""

    def __init__(self, providers: Iterable[Provider] = ()) -> None:
        self.providers: dict[str, Provider] = {}
        for provider in providers:
            self.add(provider)

    @classmethod
    def load(cls, modules: Iterable[str]) -> Registry:
        """A registry of the ``PROVIDER`` of each module named (``package.module`` or a module of providers/)."""
        from . import providers
        names = (m if "." in m else f"{providers.__name__}.{m}" for m in modules)
        return cls(importlib.import_module(name).PROVIDER for name in names)

    def add(self, provider: Provider) -> None:
        self.providers[provider.namespace.lower()] = provider

    def provider(self, namespace: str) -> Provider | None:
        return self.providers.get(namespace.lower())

    def type(self, full_type: str) -> ResourceType | None:
        namespace, _, name = full_type.partition("/")
        provider = self.provider(namespace)
        return provider.types.get(name.lower()) if provider else None

    def routes(self) -> list[Route]:
        return [route for p in self.providers.values() for route in p.routes]

    def data_routes(self) -> list[Route]:
        return [route for p in self.providers.values() for route in p.data_routes]
