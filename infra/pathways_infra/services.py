"""Where each service's composition root lives (infra never imports services at import time)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, cast

from fastapi import FastAPI

from pathways_infra.service import ServiceDefinition, ServiceRuntime
from pathways_infra.settings import ServiceName, Settings


def _main_module(service: ServiceName) -> Any:
    return importlib.import_module(f"pathways_{service}.main")


def definition_of(service: ServiceName) -> ServiceDefinition:
    return cast(ServiceDefinition, _main_module(service).definition())


def build_runtime(
    service: ServiceName, settings: Settings, *, relay: bool = True, consumers: bool = True
) -> ServiceRuntime:
    return ServiceRuntime(definition_of(service), settings, run_relay=relay, run_consumers=consumers)


def build_app(runtime: ServiceRuntime, *, manage_runtime: bool = True) -> FastAPI:
    create_app = cast(Callable[..., FastAPI], _main_module(runtime.name).create_app)
    return create_app(runtime, manage_runtime=manage_runtime)
