"""The Examples in the plot functions' docstrings run as written and show what the code returns."""

from __future__ import annotations

import doctest
from collections.abc import Iterator
from types import ModuleType

import matplotlib.pyplot as plt
import pytest

from minted_lab.plots import _downsample, _prices, _totals


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.mark.parametrize("module", [_prices, _totals, _downsample], ids=lambda m: m.__name__)
def test_docstring_examples_hold(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
