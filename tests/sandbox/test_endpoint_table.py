"""The client's endpoint table and the sandbox's routes cannot drift, though they share no code.

Each endpoint is a row of minted_lab/endpoints.py and a route of minted_lab/sandbox/routes.py, built
independently from docs/api-shapes.md. These tests hold them together and say what a new endpoint
still lacks: its ops generator, its client methods (sync and async), its model, its fault name.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route

import minted_lab
from minted_lab import _ops as ops, endpoints
from minted_lab.client import AsyncMintedClient, MintedClient
from minted_lab.endpoints import ENDPOINTS, Endpoint
from minted_lab.sandbox import Sandbox, faults as sandbox_faults
from minted_lab.sandbox.faults import Faults
from minted_lab.sandbox.routes import ROUTES

ROWS = list(ENDPOINTS.values())
SANDBOX = Path(inspect.getfile(Sandbox)).parent


def by_name(row: Endpoint[Any]) -> str:
    return row.name


@pytest.fixture(scope="module")
def app_routes() -> list[Route]:
    """The routes the sandbox's Starlette app really serves (built, not started)."""
    routes = Sandbox(seed=7).app.routes
    assert all(isinstance(r, Route) for r in routes)
    return [r for r in routes if isinstance(r, Route)]


def test_client_and_sandbox_name_the_same_endpoints(app_routes: list[Route]) -> None:
    client = {row.name: (row.method, row.path) for row in ROWS}
    served = {r.name: (next(iter((r.methods or set()) - {"HEAD"})), r.path) for r in app_routes}
    assert served == client
    assert [r.name for r in app_routes] == [row.name for row in ROUTES]


def test_every_route_is_bound_to_its_own_handler(app_routes: list[Route]) -> None:
    for route in app_routes:
        assert route.endpoint.__name__ == route.name, route.name


@pytest.mark.parametrize("row", ROWS, ids=by_name)
def test_the_row_is_the_module_constant_of_its_name(row: Endpoint[Any]) -> None:
    assert getattr(endpoints, row.name.upper()) is row
    assert endpoints.endpoint(row.name) is row


def test_every_row_is_in_the_table() -> None:
    constants = {name: value for name, value in vars(endpoints).items() if isinstance(value, Endpoint)}
    assert constants == {row.name.upper(): row for row in ROWS}


@pytest.mark.parametrize("row", ROWS, ids=by_name)
def test_request_shape_and_fields_agree(row: Endpoint[Any]) -> None:
    assert (row.request == "none") == (row.fields == ()), row.name


def _names(function: Any, seen: set[str] | None = None) -> set[str]:
    """The global and attribute names a function of _ops uses, and those of the _ops helpers it calls."""
    seen = set() if seen is None else seen
    names = set(function.__code__.co_names)
    for name in sorted(names - seen):
        helper = vars(ops).get(name)
        if inspect.isfunction(helper) and helper.__module__ == ops.__name__:
            seen.add(name)
            names |= _names(helper, seen)
    return names


@pytest.mark.parametrize("row", ROWS, ids=by_name)
def test_every_endpoint_has_an_ops_generator_that_makes_its_call(row: Endpoint[Any]) -> None:
    op = getattr(ops, row.client, None)
    assert inspect.isgeneratorfunction(op), f"_ops.{row.client} is missing or not a generator"
    assert row.name.upper() in _names(op), f"_ops.{row.client} does not name endpoints.{row.name.upper()}"


@pytest.mark.parametrize("row", ROWS, ids=by_name)
def test_every_endpoint_has_a_sync_and_an_async_method(row: Endpoint[Any]) -> None:
    sync, async_ = getattr(MintedClient, row.client, None), getattr(AsyncMintedClient, row.client, None)
    assert sync is not None and async_ is not None, f"{row.client} is missing on a client"
    assert not inspect.iscoroutinefunction(sync) and inspect.iscoroutinefunction(async_), row.client
    assert inspect.signature(sync) == inspect.signature(async_), row.client
    for method in (sync, async_):
        assert row.client in method.__code__.co_names, f"{method.__qualname__} does not call ops.{row.client}"


@pytest.mark.parametrize("row", ROWS, ids=by_name)
def test_every_endpoint_has_a_model_with_from_api(row: Endpoint[Any]) -> None:
    from_api = getattr(row.model, "from_api", None)
    assert inspect.ismethod(from_api) and from_api.__self__ is row.model, f"{row.model} has no classmethod from_api"
    assert list(inspect.signature(from_api).parameters)[:2] == ["data", "ctx"], row.name


@pytest.mark.parametrize("row", ROWS, ids=by_name)
def test_every_endpoint_has_a_fault_name(row: Endpoint[Any]) -> None:
    assert row.name in sandbox_faults.ENDPOINTS
    fault = Faults().inject(row.name, "status", status=503)
    assert (fault.endpoint, fault.params) == (row.name, {"status": 503})


def test_fault_names_are_the_route_names() -> None:
    assert tuple(row.name for row in ROUTES) == sandbox_faults.ENDPOINTS
    with pytest.raises(ValueError, match="unknown endpoint 'nowhere'"):
        Faults().inject("nowhere", "status")


def _imported(path: Path) -> Iterator[tuple[str, int]]:
    """Every dotted name a file imports (at any depth, relative imports resolved) or reads off the
    ``minted_lab`` package, with its line: ``from a import b`` is ``a.b``."""
    package = ".".join(path.relative_to(SANDBOX.parent.parent).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            yield from ((f"{module}.{alias.name}", node.lineno) for alias in node.names)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "minted_lab":
            yield f"minted_lab.{node.attr}", node.lineno


def _shares_client_code(name: str) -> bool:
    """A name of minted_lab outside the sandbox that is not the package itself or one of its public names."""
    if name == "minted_lab" or not name.startswith("minted_lab.") or name.startswith("minted_lab.sandbox"):
        return False
    return name.removeprefix("minted_lab.") not in minted_lab.__all__


def test_the_sandbox_shares_no_code_with_the_client() -> None:
    """Sandbox modules import only the sandbox, and the package's public face for sb.client()."""
    files = sorted(SANDBOX.glob("*.py"))
    assert len(files) > 10
    found = [(path.name, name, line) for path in files for name, line in _imported(path)]
    assert ("sandbox.py", "minted_lab.MintedClient") in {(file, name) for file, name, _ in found}
    assert [f"{file}:{line} uses {name}" for file, name, line in found if _shares_client_code(name)] == []
    for leak in ("minted_lab.client", "minted_lab._ops", "minted_lab.endpoints.ENDPOINTS", "minted_lab._http"):
        assert _shares_client_code(leak), leak
