# Sourced by the scripts: makes `uv` available and the environment match uv.lock.
set -euo pipefail
export UV_PYTHON_DOWNLOADS=never
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
uv sync --locked --quiet
