"""The Examples in the frame builders' docstrings run as written and show what the code returns."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from minted_lab.frames import _market, _orders, _tools

pytestmark = pytest.mark.filterwarnings(
    "ignore::minted_lab.frames.MissingFieldsWarning"
)  # the examples show a few fields only; reports are asserted in test_variance


@pytest.mark.parametrize("module", [_orders, _market, _tools], ids=lambda m: m.__name__)
def test_docstring_examples_hold(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
