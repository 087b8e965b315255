# Sourced by serve.sh and test.sh: a virtual environment in .venv with the pinned, hash-checked
# packages of requirements/lock.txt (scripts/lock.sh makes it), the project itself installed
# on top, and the translation catalogues compiled. The argument is kept for the callers' sake.
python3 -m venv .venv
# shellcheck disable=SC1091
source .venv/bin/activate
python -m pip install --quiet --require-hashes -r requirements/lock.txt
python -m pip install --quiet --no-deps --no-build-isolation --editable .
pybabel compile -d translations --statistics
