"""The notebooks' committed outputs are what they print today (nbval), and nbval notices when they are not.

nbval runs in a subprocess, as a user would run it:
``pytest --nbval notebooks/ --nbval-current-env --nbval-sanitize-with notebooks/nbval-sanitize.cfg``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = NOTEBOOKS / "nbval-sanitize.cfg"

pytestmark = pytest.mark.slow


def nbval(*targets: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run nbval over ``targets`` in a subprocess: current env, our sanitize rules, headless matplotlib."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINTED_") or k == "MINTED_LAB_HOME"}
    env["MPLBACKEND"] = "Agg"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        *map(str, targets),
        "--nbval-current-env",
        "--nbval-sanitize-with",
        str(SANITIZE),
        "-p",
        "no:cacheprovider",
        "-q",
    ]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)


def test_sanitize_rules_come_in_pairs_with_a_reason() -> None:
    """Each rule is a ``regex:``/``replace:`` pair under a comment that says why it is needed."""
    text = SANITIZE.read_text(encoding="utf-8")
    pairs = re.findall(r"^regex: (.*)\n^replace: (.*)$", text, flags=re.MULTILINE)
    assert pairs, "no sanitize rule found"
    assert text.count("regex:") == len(pairs)
    for block in re.split(r"\n\s*\n", text):
        if "regex:" in block:
            assert block.lstrip().startswith("#"), f"a rule without its reason: {block!r}"


def test_notebooks_are_committed_executed() -> None:
    """Every code cell that prints has its output saved (nbval compares nothing against an empty cell)."""
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert [p.name[:2] for p in paths] == ["01", "02", "03", "04", "05", "06", "07"]
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert nb["metadata"]["kernelspec"]["name"] == "python3", path.name
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(c["execution_count"] for c in code), f"{path.name} has unexecuted cells"
        assert sum(bool(c["outputs"]) for c in code) >= 5, f"{path.name} shows almost nothing"
        marked = [c for c in code if "".join(c["source"]).startswith("# ▶ STAGING")]
        assert len(marked) == 1, f"{path.name}: expected exactly one marked staging cell"


def test_nbval_passes_on_every_notebook() -> None:
    """Every checked output of every notebook repeats exactly (sanitised only where the file says)."""
    result = nbval("notebooks/")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert re.search(r"\d+ passed", result.stdout), result.stdout[-2000:]


def test_nbval_fails_when_an_output_changes(tmp_path: Path) -> None:
    """A notebook whose sandbox seed changed no longer matches its saved outputs: nbval must say so."""
    nb = json.loads((NOTEBOOKS / "01_quickstart.ipynb").read_text(encoding="utf-8"))
    first = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    source = "".join(first["source"])
    assert "seed = 7" in source
    first["source"] = source.replace("seed = 7", "seed = 8")
    broken = tmp_path / "01_quickstart.ipynb"
    broken.write_text(json.dumps(nb), encoding="utf-8")

    result = nbval(broken, cwd=tmp_path)
    assert result.returncode == 1, result.stdout[-4000:]
    assert "Cell outputs differ" in result.stdout, result.stdout[-4000:]
