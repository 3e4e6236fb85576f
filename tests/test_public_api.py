"""The package's public surface: every exported name resolves, and importing the client stays light."""

from __future__ import annotations

import subprocess
import sys

import minted_lab


def test_every_public_name_resolves() -> None:
    for name in minted_lab.__all__:
        assert getattr(minted_lab, name) is not None, name


def test_importing_the_client_does_not_load_widgets_or_plots() -> None:
    code = (
        "import sys; from minted_lab import MintedClient; "
        "print(sorted(m for m in ('ipywidgets', 'matplotlib', 'minted_lab.widgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
