#!/bin/sh
# Re-resolve requirements/lock-pip.txt, lock-runtime.txt and lock-test.txt from pyproject.toml with uv, for every
# platform and Python >= 3.11, with the hashes of every file. `make lock` runs it. Versions already
# in the lock files are kept unless they conflict with pyproject.toml; to move on, pass uv's own
# options: `make lock ARGS=--upgrade` (everything) or `make lock ARGS="--upgrade-package pandas"`.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
UV_VERSION=0.13.9
TOOLS=${LOCK_TOOLS:-${TMPDIR:-/tmp}/position-tracker-lock-tools}
if ! "$TOOLS/bin/uv" --version 2>/dev/null | grep -q "^uv $UV_VERSION\b"; then
    echo "Installing uv $UV_VERSION into $TOOLS (used only to write the lock files)..."
    "$PYTHON" -m venv "$TOOLS"
    "$TOOLS/bin/python" -m pip install "uv==$UV_VERSION"
fi
compile() {
    "$TOOLS/bin/uv" pip compile --universal --python-version 3.11 \
        --generate-hashes --custom-compile-command "make lock" "$@" >/dev/null
}
# pip itself, pinned by hash: `make` upgrades the venv's pip to it before installing the locks,
# because a pip before 23.3 (23.2.1 is what `python -m venv` bundles with Python 3.11.7) rejects a
# hashed lock whose packages ask for extras of another (justext wants lxml[html_clean]) once a
# newer lxml is out. The floor 25.1 only keeps the pin on a recent pip; 23.3 would do
echo "pip>=25.1" | compile - -o requirements/lock-pip.txt "$@"
# runtime first; the test lock is constrained to it, so shared packages have the same versions
compile pyproject.toml -o requirements/lock-runtime.txt "$@"
compile pyproject.toml --extra test --extra bench -c requirements/lock-runtime.txt \
    -o requirements/lock-test.txt "$@"
echo "Updated requirements/lock-pip.txt, lock-runtime.txt and lock-test.txt; run make test."
