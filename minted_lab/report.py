"""Execute notebooks in the current interpreter's kernel and export them as HTML (the demo's report).

Shared by ``minted-lab demo`` (a fresh run exported as ``report.html``) and
``scripts/refresh_notebooks.py`` (re-execute the committed notebooks in place).

A notebook takes parameters through papermill's convention: one cell tagged ``parameters``
holds the defaults (``seed = 7``); ``execute_notebook(path, parameters={"seed": 8})`` injects a
cell after it that sets the given values (tagged ``injected-parameters``, shown in the report, so
a reader sees what was asked). Without parameters the notebook runs as committed, on its defaults.

    nb = execute_notebook(Path("notebooks/01_quickstart.ipynb"), parameters={"seed": 8, "history": 2000})
    write_html([("01_quickstart", nb)], Path("reports/report.html"), title="minted_lab demo")
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "NOTEBOOKS_DIR",
    "execute_notebook",
    "find_notebooks",
    "normalise_widget_ids",
    "notebook_html",
    "parameter_names",
    "parameterise",
    "write_html",
]

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
"""The repository's notebooks (present in a source checkout or an editable install)."""

_KERNEL_NAME = "python3"
_MODEL_ID = re.compile(r"[0-9a-f]{32}")
PARAMETERS_TAG = "parameters"
"""papermill's tag for the cell holding a notebook's default parameters."""


def _kernel_manager() -> Any:
    """A kernel manager whose ``python3`` kernel is this interpreter, whatever kernelspecs are installed."""
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    class CurrentEnvSpecs(KernelSpecManager):
        """Every kernel name resolves to an ipykernel running on ``sys.executable``."""

        def get_kernel_spec(self, kernel_name: str) -> Any:
            """ipykernel's own spec, launched with this interpreter."""
            spec = ipykernel.kernelspec.get_kernel_dict()
            spec["argv"][0] = sys.executable
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES, **spec)

    return KernelManager(kernel_name=_KERNEL_NAME, kernel_spec_manager=CurrentEnvSpecs())


def parameter_names(path: Path) -> list[str]:
    """The names the notebook's ``parameters`` cell assigns, as papermill reads them (empty: no such cell)."""
    from papermill import inspect_notebook

    return list(inspect_notebook(str(path)))


def parameterise(path: Path, parameters: Mapping[str, Any]) -> Any:
    """The notebook at ``path`` with papermill's injected-parameters cell after its ``parameters`` cell.

    Refuses a notebook without a ``parameters`` cell and a name that cell does not define, so a
    typo cannot leave the notebook silently on its defaults.
    """
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    known = parameter_names(path)
    if not known:
        raise ValueError(f"{path.name} has no cell tagged {PARAMETERS_TAG!r} to take {', '.join(sorted(parameters))}")
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ValueError(f"{path.name} takes the parameters {', '.join(known)}, not {', '.join(unknown)}")
    nb = load_notebook_node(str(path))
    return parameterize_notebook(nb, dict(parameters), kernel_name=_KERNEL_NAME, language="python")


def execute_notebook(
    path: Path, *, timeout: int = 300, store_widget_state: bool = True, parameters: Mapping[str, Any] | None = None
) -> Any:
    """Run a notebook top to bottom in a fresh current-env kernel (working directory: its folder).

    ``parameters`` (optional) replace the defaults of its ``parameters`` cell (see `parameterise`).
    """
    import nbformat
    from nbclient import NotebookClient

    nb = parameterise(path, parameters) if parameters else nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        km=_kernel_manager(),
        timeout=timeout,
        kernel_name=_KERNEL_NAME,
        record_timing=False,
        coalesce_streams=True,  # stdout arrives in timing-dependent chunks: merge them
        store_widget_state=store_widget_state,
        resources={"metadata": {"path": str(path.resolve().parent)}},
    )
    client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log lines (TCP notice) are noise here
    if not store_widget_state:
        nb.metadata.pop("widgets", None)  # a state saved by an earlier run would be stale
    return nb


def normalise_widget_ids(nb: Any, salt: str) -> Any:
    """Replace random widget model ids by ids derived from ``salt`` and their order, so reruns are byte-identical."""
    import nbformat

    text = json.dumps(nb, sort_keys=True)
    state = nb.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    ids = list(state.get("state", {}))
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view and view.get("model_id") not in ids:
                ids.append(view["model_id"])
    for n, model_id in enumerate(ids):
        if _MODEL_ID.fullmatch(model_id):
            text = text.replace(model_id, uuid.uuid5(uuid.NAMESPACE_URL, f"minted_lab:{salt}:{n}").hex)
    return nbformat.from_dict(json.loads(text))


def find_notebooks(directory: Path = NOTEBOOKS_DIR, names: Sequence[str] = ()) -> list[Path]:
    """The numbered notebooks in ``directory`` (or those whose names start with one of ``names``)."""
    found = sorted(p for p in directory.glob("[0-9][0-9]_*.ipynb"))
    if names:
        found = [p for p in found if any(p.name.startswith(n) for n in names)]
    return found


def notebook_html(nb: Any) -> str:
    """One executed notebook as a standalone HTML page (nbconvert's HTMLExporter, lab template)."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    return body


def write_html(notebooks: Sequence[tuple[str, Any]], out: Path, *, title: str) -> Path:
    """Export executed notebooks, given as (name, notebook) pairs, as one HTML page; returns ``out``."""
    import nbformat

    merged = nbformat.v4.new_notebook(metadata=dict(notebooks[0][1].metadata) if notebooks else {})
    merged.metadata["title"] = title
    merged.metadata.pop("widgets", None)
    states: dict[str, Any] = {}
    for name, nb in notebooks:
        merged.cells.append(
            nbformat.v4.new_markdown_cell(f"---\n*From the notebook **{name}**, executed for this report.*")
        )
        merged.cells.extend(nb.cells)
        widget_state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
        states.update(widget_state.get("state", {}))
    if states:
        merged.metadata["widgets"] = {
            "application/vnd.jupyter.widget-state+json": {"state": states, "version_major": 2, "version_minor": 0}
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(notebook_html(merged), encoding="utf-8")
    return out
