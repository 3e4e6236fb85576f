#!/usr/bin/env bash
# The whole test suite: install into .venv (and Debian's Chromium for the browser tests), check
# lint, format and types, then pytest. Any failing step fails the run.
source "$(dirname "$0")/_venv.sh" dev
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "test.sh: could not install chromium; the browser test will fail" >&2
fi
export MPLBACKEND=Agg
echo "== ruff (lint, format) and mypy (strict, minted_lab/)"
ruff check minted_lab tests bench scripts
ruff format --check minted_lab tests bench scripts
python -m mypy
echo "== pytest"
python -m pytest tests "$@"
