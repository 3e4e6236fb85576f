#!/usr/bin/env bash
# The main job: install into .venv, then run the demo against a seeded local sandbox.
source "$(dirname "$0")/_venv.sh" notebook
exec minted-lab demo "$@"
