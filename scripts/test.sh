#!/usr/bin/env bash
# The whole test suite: install into .venv (and Debian's Chromium for the browser test), then pytest.
source "$(dirname "$0")/_venv.sh" dev
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "test.sh: could not install chromium; the browser test will fail" >&2
fi
export MPLBACKEND=Agg
python -m pytest tests "$@"
