"""Write notebooks/01_gap_analysis.ipynb from the cells below (keeps the source reviewable).

Run: python scripts/make_notebooks.py   (outputs are left empty; CI executes the notebook)
"""

from __future__ import annotations

from pathlib import Path

import nbformat as nbf

CELLS = [
    (
        "md",
        """# Gap analysis: who is more than an hour from a booked meeting?

This notebook walks through the analyst's path with the Python API of `tillganglighet`:
load the embedded data, compute travel times from every settlement to the nearest point
offering a **booked physical meeting** (förbokat fysiskt möte) with Arbetsförmedlingen,
check the report's 60-minute guideline (Bilaga 2) both ways, inspect one municipality,
and draw the board's map inline.

Everything runs offline on the embedded default. Travel times come from the **modelled
road network** (car); see `docs/methodology.md` and run on OpenStreetMap for real road
times (`tillganglighet network build --osm sweden-latest.osm.pbf`).""",
    ),
    (
        "code",
        """import pandas as pd

from tillganglighet.analysis import analyze
from tillganglighet.data import presence

pd.set_option("display.max_columns", 12)
pd.set_option("display.width", 140)""",
    ),
    (
        "md",
        """## 1. The office network as of a date

`presence.meeting_points(as_of)` applies the report's dates: offices close on their
closure date; ready cooperation solutions count from the report's date (2020-10-23),
the others from 2020-12-31 (see `docs/data.md`).""",
    ),
    (
        "code",
        """timeline = pd.DataFrame(
    [
        {
            "date": day,
            "points": len(mp := presence.meeting_points(day)),
            "municipalities": mp["kommun_kod"].nunique(),
        }
        for day in ["2019-01-01", "2019-12-31", "2020-10-23", "2020-12-31"]
    ]
)
timeline""",
    ),
    (
        "code",
        """points = presence.meeting_points("2020-12-31")
points["kind_sv"].value_counts()""",
    ),
    (
        "md",
        """## 2. Travel times for all 290 municipalities

One origins × points travel-time matrix on the network; every metric is derived from it.""",
    ),
    (
        "code",
        """result = analyze(as_of="2020-12-31", threshold_min=60)
print(result.network.label_en, "|", result.meta.as_of, "|", result.meta.threshold_min, "min")
muni = result.municipalities
muni.sort_values("mean_time_min", ascending=False)[
    ["kommun", "lan", "mean_time_min", "worst_time_min", "largest_settlement",
     "nearest_point_name", "nearest_point_relation", "gap", "gap_fa"]
].head(10)""",
    ),
    (
        "md",
        """## 3. The guideline two ways

`gap`: the population-weighted mean time to the nearest point anywhere exceeds the
threshold. `gap_fa`: the same, counting only points in the municipality's own FA-region
(the report's wording). By car almost every municipality is within an hour; at a
stricter threshold the two rules differ.""",
    ),
    (
        "code",
        """strict = analyze(threshold_min=30)
m30 = strict.municipalities
print("beyond 30 min, nearest anywhere:", int(m30["gap"].sum()),
      "| nearest in own FA-region:", int(m30["gap_fa"].sum()))
m30[m30["gap_fa"] & ~m30["gap"]][["kommun", "fa_namn", "mean_time_min", "mean_time_fa_min"]]""",
    ),
    (
        "md",
        """## 4. One municipality up close

Berg (Jämtland) lost its office in Svenstavik (Bilaga 5: nearby office in another
municipality).""",
    ),
    (
        "code",
        """berg = result.origins[result.origins["kommun"] == "Berg"]
berg[["name", "population", "time_min", "nearest_point_name", "nearest_point_kind",
      "time_fa_min", "ssc_time_min"]].sort_values("population", ascending=False)""",
    ),
    (
        "md",
        """## 5. What each point is worth

If a single point closed, who would cross the threshold? (At 30 minutes, so the effect
is visible by car.)""",
    ),
    (
        "code",
        """strict.meeting_points.sort_values(
    ["population_newly_beyond", "population_served"], ascending=False
)[["name", "kind_sv", "kommun", "population_served", "population_newly_beyond",
   "municipalities_newly_gap", "staff_travel_min"]].head(10)""",
    ),
    (
        "md",
        """## 6. The 24 places whose replacement is a nearby office

The report says nearby offices can "in most cases" be reached within 60 minutes.""",
    ),
    (
        "code",
        """nb = result.nearby_replacements
print(f"{int(nb['within_threshold'].sum())} of {len(nb)} within 60 min")
nb.sort_values("time_min", ascending=False).head(8)""",
    ),
    (
        "md",
        """## 7. A quick static map

The returned frames are GeoDataFrames (EPSG:3006): `.plot()` draws with matplotlib and
`.explore()` gives an interactive map (both from the `notebook` extra:
`pip install ".[notebook]"`).""",
    ),
    (
        "code",
        """ax = muni.plot(column="mean_time_min", cmap="Blues", legend=True, figsize=(4, 7),
               legend_kwds={"label": "population-weighted minutes to nearest point"})
ax.set_axis_off()""",
    ),
    (
        "md",
        """## 8. The board's map

The same map `tillganglighet analyze` writes to `outputs/map.html`, with its caveat box,
settlements beyond the threshold and closed offices. `notebook_map` inlines Leaflet
into the cell, so it shows offline like the file (`.save(path)` writes it).""",
    ),
    (
        "code",
        """from tillganglighet.report.board_map import notebook_map

notebook_map(result)""",
    ),
]


def main() -> None:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src)
        for kind, src in CELLS
    ]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    path = Path(__file__).resolve().parents[1] / "notebooks" / "01_gap_analysis.ipynb"
    nbf.write(nb, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
