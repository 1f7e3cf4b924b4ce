#!/usr/bin/env bash
# Run the test suite with the lowest versions pyproject.toml allows (.ci/min-constraints.txt),
# in a throw-away virtual environment, to keep the declared lower bounds honest.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(mktemp -d)/venv"
python3 -m venv "$venv"
. "$venv/bin/activate"
pip install -q -c .ci/min-constraints.txt -e ".[test]"
pip list 2>/dev/null | grep -i -E "^(numpy|pandas|scipy|shapely|pyproj|geopandas|pyarrow|pyogrio|typer|rich|osmium|folium|pyrosm|highspy|dask|distributed|numba|xstatic-leaflet) "
python -m pytest -q -p no:cacheprovider
