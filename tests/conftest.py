from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from tests.helpers import EXAMPLES, run_zgsz

SAMPLES = ("machining_parts", "chemical_plant")


@pytest.fixture(autouse=True)
def _no_zgsz_environment(monkeypatch):
    # A developer's own ZGSZ_* settings must not change what the tests see.
    import os

    for name in list(os.environ):
        if name.startswith("ZGSZ_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def libreoffice() -> None:
    """Tests that convert need LibreOffice: fail loudly when it is missing."""
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice (soffice) is not installed: run scripts/setup.sh")


@pytest.fixture(scope="session")
def sample_outputs(tmp_path_factory, libreoffice) -> dict[str, Path]:
    """Each sample enterprise run through `zgsz report` once for the whole session."""
    outputs = {}
    for name in SAMPLES:
        folder = tmp_path_factory.mktemp(name)
        run_zgsz("report", str(EXAMPLES / f"{name}.yaml"), "-o", str(folder), check=True)
        outputs[name] = folder
    return outputs


@pytest.fixture
def sample_data() -> dict:
    """A fresh, mutable copy of the machining sample's input."""
    return copy.deepcopy(_sample("machining_parts"))


def _sample(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text("utf-8"))


def write_yaml(folder: Path, data: dict, name: str = "input.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path
