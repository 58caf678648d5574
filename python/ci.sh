#!/usr/bin/env bash
# Builds the Python package in a fresh virtual environment and runs its tests.
#
#   bash python/ci.sh            # from anywhere; PYTHON=python3.9 to pick the interpreter
#
# pip builds the wheel through the package's build backend (maturin, fetched from PyPI into
# pip's isolated build environment), which compiles the Rust extension in release mode into
# the workspace's target directory (CARGO_TARGET_DIR when set). After `cargo test --release
# --workspace` (the README's test command) every dependency the extension shares with the core
# is already compiled there with the same features (python/Cargo.toml says how), so only pyo3,
# numpy and the extension itself are compiled. Exits non-zero when any test fails and when
# pytest collects no test at all (its exit code 5).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

venv_parent="$(mktemp -d "${TMPDIR:-/tmp}/heatgpu-ci.XXXXXX")"
trap 'rm -rf "$venv_parent"' EXIT
venv="$venv_parent/venv"

start=$SECONDS
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
echo "python/ci.sh: building and installing heatgpu[test] with $("$venv/bin/python" --version)"
"$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off "$here[test]"
echo "python/ci.sh: installed in $((SECONDS - start)) s"

# The installed package, not the source folder: the pytest script (unlike `python -m pytest`)
# does not put the working directory on sys.path.
cd "$here"
set +e
"$venv/bin/pytest" -p no:cacheprovider -ra tests
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "python/ci.sh: pytest collected no tests: failing" >&2
    exit 1
fi
echo "python/ci.sh: pytest exit $status after $((SECONDS - start)) s"
exit "$status"
