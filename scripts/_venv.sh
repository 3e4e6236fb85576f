# Shared by scripts/demo.sh and scripts/test.sh: make .venv and install the project into it.
# Usage: source scripts/_venv.sh EXTRA   (EXTRA is "notebook" or "dev")
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
stamp="$venv/.installed-$1"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ] || [ "$root/constraints.txt" -nt "$stamp" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$root/constraints.txt" -e "$root[$1]" 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
  "$venv/bin/python" -c "import minted_lab" # fail loudly if the install did not take
  touch "$stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$root"
