"""The package's public surface: every exported name is the documented object, the type-checking view
matches the run-time one, and the light paths stay light."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import minted_lab

INIT = Path(minted_lab.__file__)


def _type_checking_names() -> set[str]:
    """The names ``minted_lab/__init__.py`` imports under ``if TYPE_CHECKING:`` (what IDEs see)."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", None) == "TYPE_CHECKING")
    return {
        alias.asname or alias.name for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names
    }


def test_every_public_name_is_the_object_its_module_defines() -> None:
    for name in minted_lab.__all__:
        value = getattr(minted_lab, name)
        module = minted_lab._EXPORTS[name]
        assert value is getattr(__import__(module, fromlist=[name]), name), name
        assert inspect.isclass(value), f"{name} is a {type(value).__name__}; the face exports classes only"
        assert value.__module__.startswith("minted_lab."), (name, value.__module__)
        assert value.__doc__ and value.__doc__.strip(), f"{name} has no docstring"


def test_the_type_checking_view_lists_exactly_the_public_names() -> None:
    assert _type_checking_names() == set(minted_lab.__all__)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        minted_lab.NoSuchThing  # noqa: B018
    assert minted_lab.__version__.count(".") == 2


@pytest.mark.parametrize(
    ("statement", "absent"),
    [
        ("from minted_lab import MintedClient", ("ipywidgets", "matplotlib", "minted_lab.widgets", "polars")),
        ("import minted_lab.trading, minted_lab.ledger", ("ipywidgets", "matplotlib", "polars")),
        ("from minted_lab import catalog", ("polars", "httpx", "minted_lab.client")),
    ],
)
def test_light_paths_do_not_load_heavy_packages(statement: str, absent: tuple[str, ...]) -> None:
    """Selling never loads polars, matplotlib or ipywidgets; the vocabulary loads nothing at all."""
    code = f"import sys; {statement}; print(sorted(m for m in {absent!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
