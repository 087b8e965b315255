#!/usr/bin/env bash
# Regenerate requirements/lock.txt, the pinned and hashed set of packages that scripts/setup.sh
# (and so the README's commands and CI) installs. Run it after changing the dependencies in
# pyproject.toml; tests/unit/test_lock.py fails while the lock does not cover them.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet uv
python3 -m uv pip compile pyproject.toml requirements/build.in --extra test --generate-hashes \
  --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
  --quiet -o requirements/lock.txt "$@"
