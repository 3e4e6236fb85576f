#!/usr/bin/env python
"""Re-execute the notebooks in place (current interpreter's kernel) after an intended change.

    .venv/bin/python scripts/refresh_notebooks.py            # every notebooks/NN_*.ipynb
    .venv/bin/python scripts/refresh_notebooks.py 02 03      # only those whose names start so
    .venv/bin/python scripts/refresh_notebooks.py --check    # rerun in memory; exit 1 if outputs moved

Outputs are written as CI sees them: MINTED_* variables are removed (the staging cells stay
idle), widget model ids are made deterministic, stdout chunks are merged, and neither execution
timing nor widget state is recorded (a progress bar's final state holds its speed, which varies;
the demo's HTML report keeps widget state, so the widgets render there). A notebook whose new outputs differ from the saved ones only where
notebooks/nbval-sanitize.cfg allows (the sandbox's port) is left untouched, so an unchanged
notebook refreshes byte-identically and git shows no diff. Review the diff, then commit.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from minted_lab.report import execute_notebook, find_notebooks, normalise_widget_ids  # noqa: E402

SANITIZE = ROOT / "notebooks" / "nbval-sanitize.cfg"


def sanitised(text: str) -> str:
    """``text`` with nbval's sanitize rules applied (what the tests ignore: the sandbox's port...)."""
    rules = re.findall(r"^regex: (.*)$\n^replace: (.*)$", SANITIZE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    for regex, replace in rules:
        text = re.sub(regex, replace, text)
    return text


def refresh(path: Path, check: bool) -> bool:
    """Execute one notebook and write it back if it changed beyond the sanitised bits (never, with ``check``).

    Returns True when nothing changed; the file is then left byte for byte as it was.
    """
    import nbformat

    before = path.read_text(encoding="utf-8")
    nb = normalise_widget_ids(execute_notebook(path, store_widget_state=False), salt=path.stem)
    after = nbformat.writes(nb)
    after = after if after.endswith("\n") else after + "\n"
    same = sanitised(before) == sanitised(after)
    if not check and not same:
        path.write_text(after, encoding="utf-8")
    return same


def main(argv: list[str] | None = None) -> int:
    """Refresh the chosen notebooks and report which ones changed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 01 04 (default: all)")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if any output would change")
    args = parser.parse_args(argv)
    for name in [n for n in os.environ if n.startswith("MINTED_") and n != "MINTED_LAB_HOME"]:
        del os.environ[name]
    paths = find_notebooks(ROOT / "notebooks", args.names)
    if not paths:
        print("no notebook matched", file=sys.stderr)
        return 2
    changed = []
    for path in paths:
        started = time.perf_counter()
        same = refresh(path, args.check)
        print(f"{path.name}: {'unchanged' if same else 'changed'} ({time.perf_counter() - started:.1f} s)")
        if not same:
            changed.append(path.name)
    if args.check and changed:
        print(f"outputs moved in: {', '.join(changed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
