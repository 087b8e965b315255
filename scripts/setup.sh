# Sourced by serve.sh and test.sh: a virtual environment in .venv with the project installed
# (extras given as the first argument) and the translation catalogues compiled.
python3 -m venv .venv
# shellcheck disable=SC1091
source .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet --editable ".$1"
pybabel compile -d translations --statistics
