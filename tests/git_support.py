"""Tests that read this repository's git history (the frozen codebooks of gold/frozen.tsv)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def require_history(commits: list[str]) -> None:
    """Skip outside CI in a shallow clone (the frozen codebooks are read from git history); fail
    in CI, where .ci/run fetches the whole history, and wherever a commit is simply wrong."""
    missing = [c for c in commits if subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "-e", f"{c}^{{commit}}"],
        capture_output=True, check=False).returncode]  # fmt: skip
    if not missing:
        return
    shallow = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--is-shallow-repository"],
                             capture_output=True, text=True, check=False).stdout.strip()
    if shallow == "true" and os.environ.get("CI") != "true":
        pytest.skip(f"shallow clone: frozen codebook commits {missing} are not in its history")
    pytest.fail(f"gold/frozen.tsv names commits not in this repository: {missing}")
