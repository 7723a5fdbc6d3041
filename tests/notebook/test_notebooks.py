"""Every notebook in ``notebooks/`` runs headless (nbclient) against the sandbox, cleanly.

A notebook fails the test if any cell errors, or if a secret shows up anywhere in the executed
notebook: the distinctive fake keys injected through the environment for the run, and the
sandbox credentials the notebook itself used (read back by an extra cell that writes them to a
side file — that cell is removed before the outputs are scanned).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

#: Fake keys in the environment for the run: long, distinctive, never valid anywhere.
FAKE_ENV = {
    "BINANCE_API_KEY": "xtFAKEbinanceKEY0123456789abcdefghijklmnopqrstuv",
    "BINANCE_API_SECRET": "xtFAKEbinanceSECRET0123456789abcdefghijklmnopqr",
    "UPBIT_ACCESS_KEY": "xtFAKEupbitACCESS0123456789abcdefghijklmnopqrst",
    "UPBIT_SECRET_KEY": "xtFAKEupbitSECRET0123456789abcdefghijklmnopqrstu",
}

#: Appended to each notebook: writes the secrets of every Client the kernel holds to a file.
HARVEST = """
import gc as _gc, json as _json, os as _os
import xtoolkit as _xt
_found = []
for _obj in _gc.get_objects():
    if isinstance(_obj, (_xt.Client, _xt.AsyncClient)):
        for _name in _obj.exchanges:
            _c = _obj.venue(_name).credentials
            if _c is not None:
                _found += [_c.key, _c.secret]
with open(_os.environ["XT_HARVEST_FILE"], "w") as _f:
    _json.dump(sorted(set(_found)), _f)
"""


def test_there_are_notebooks() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert {"01_quickstart.ipynb", "02_kimchi_premium.ipynb", "03_guarded_orders.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell has outputs"
            assert cell.execution_count is None, f"{path.name}: a cell has an execution count"
    assert "widgets" not in nb.metadata, f"{path.name}: widget state is committed"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_clean_and_leaks_no_secret(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    harvest = tmp_path / "harvest.json"
    monkeypatch.setenv("XT_HARVEST_FILE", str(harvest))
    monkeypatch.setenv("TQDM_DISABLE", "1")
    monkeypatch.setenv("XTOOLKIT_HOME", str(tmp_path / "home"))  # the order journal, kept out of ~
    monkeypatch.delenv("XTOOLKIT_LIVE", raising=False)
    monkeypatch.delenv("XTOOLKIT_ALLOW_LIVE", raising=False)
    # The kernel runs in a scratch folder so nothing (a .env, out/ files) leaks in or out.
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(HARVEST))
    started = time.perf_counter()
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError with the failing cell's traceback
    elapsed = time.perf_counter() - started
    print(f"\n{path.name}: executed in {elapsed:.1f} s")

    nb.cells.pop()  # the harvest cell itself is not part of the notebook's output
    harvested = set(json.loads(harvest.read_text()))
    assert len(harvested) >= 4, "the sandbox clients' keys were not found: the scan would be vacuous"
    secrets = set(FAKE_ENV.values()) | harvested
    secrets = {s for s in secrets if len(s) >= 12}
    text = nbformat.writes(nb)
    leaked = sorted(s[:6] + "…" for s in secrets if s in text)
    assert not leaked, f"{path.name}: secrets in the executed notebook: {leaked}"
    for fragment in ("Traceback (most recent call last)", '"output_type": "error"'):
        assert fragment not in text, f"{path.name}: {fragment!r} in the outputs"
