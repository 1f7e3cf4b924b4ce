"""Write notebooks/02_public_transport.ipynb (outputs empty; CI executes it).

Run: python scripts/make_notebook_pt.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat as nbf

CELLS = [
    (
        "md",
        """# Public transport for booked meetings: the arrive-by engine on a real feed

The guideline (Bilaga 2) is about public transport: at most one hour's one-way journey
to a booked visit. For a meeting at time T the travel time from an origin is **T minus
the latest departure from the origin that still reaches a meeting point by T**, walks
included. `tillganglighet.transit` answers that for every origin at once with one
backward connection scan over the day (`docs/transit.md`).

No Swedish feed ships offline, so this notebook uses a real small feed that does:
Cairns (Queensland) from gtfs-kit's source distribution (`tests/data/cairns_gtfs.zip`,
416 stops, 1,339 trips, trips past midnight). For Sweden, fetch Trafiklab's national feed
with `tillganglighet transit fetch --out sweden.zip` and run
`tillganglighet analyze --gtfs sweden.zip`.""",
    ),
    (
        "code",
        """from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from tillganglighet import transit

import tillganglighet

# The feed ships in the source checkout (tests/data/), next to src/.
FEED = Path(tillganglighet.__file__).resolve().parents[2] / "tests" / "data" / "cairns_gtfs.zip"
assert FEED.exists(), f"{FEED} not found: run the notebook from a source checkout"
feed = transit.read_gtfs(FEED)
print(len(feed.stop_id), "stops;", len(feed.issues), "validation issues")""",
    ),
    (
        "md",
        """## 1. The service day

A Tuesday in the feed's calendar. Cairns is not in Sweden, so the stops are projected to
the local UTM zone (EPSG:32755) instead of SWEREF 99 TM. Booked services (route type
1501) would be left out by default; Cairns has none.""",
    ),
    (
        "code",
        """day = transit.service_day(feed, "2014-06-03", crs="EPSG:32755")
print(f"{len(day.dep_s):,} connections on {day.date}; booked services: {day.booked}")""",
    ),
    (
        "md",
        """## 2. Origins and meeting points

Origins: a 1 km grid over the served area. Meeting points: three stops standing in for
offices — the one nearest Cairns' centre and two suburban ones.""",
    ),
    (
        "code",
        """xs, ys = day.stop_x[day.served], day.stop_y[day.served]
gx, gy = np.meshgrid(np.arange(xs.min(), xs.max(), 1000.0), np.arange(ys.min(), ys.max(), 1000.0))
origins = gpd.GeoDataFrame(geometry=gpd.points_from_xy(gx.ravel(), gy.ravel()), crs="EPSG:32755")
centre = np.argmin(np.hypot(xs - np.median(xs), ys - np.median(ys)))
north, south = np.argmax(ys), np.argmin(ys)
points = gpd.GeoDataFrame(
    {"name": ["centre", "north", "south"]},
    geometry=gpd.points_from_xy(xs[[centre, north, south]], ys[[centre, north, south]]),
    crs="EPSG:32755",
)
print(len(origins), "origins,", len(points), "meeting points")""",
    ),
    (
        "md",
        """## 3. Arrive-by for every origin at once

Meeting times 09:00–15:00 every 15 minutes (25 times). One backward profile scan gives
every origin its median and worst travel time over the window, the meeting times
reachable within 60 minutes, the point reached most often and the departures per day that
reach a point within 60 minutes (the report's "frekvensen på avgångar").""",
    ),
    (
        "code",
        """# Walking the whole way counts up to 5 km (as in the main job); farther is unreachable.
walk = transit.WalkParams(max_direct_walk_m=5000.0)
res = transit.arrive_by(day, origins, points, threshold_s=3600, walk=walk)
table = res.to_frame()
print({k: round(v, 3) for k, v in res.timings.items()}, "seconds")
reachable = np.isfinite(table["median_min"])
print(f"{reachable.mean():.0%} of origins reach a point; of those "
      f"{(table.loc[reachable, 'median_min'] <= 60).mean():.0%} within 60 min (median)")
table.loc[reachable].drop(columns="walk_min").describe().round(1)""",
    ),
    (
        "md",
        """## 4. An origins × points matrix for scenarios

One backward scan per point and meeting time. Closing a point is then a minimum over
the remaining columns, without re-routing.""",
    ),
    (
        "code",
        """od = transit.od_matrix(day, origins, points, walk=walk)
all_open = od.score()
without_centre = od.score(active=[1, 2])
both = np.isfinite(all_open) & np.isfinite(without_centre)
worse = both & (without_centre > all_open + 1)
lost = np.isfinite(all_open) & ~np.isfinite(without_centre)
print(f"closing 'centre' makes {worse.sum()} origins slower (median increase "
      f"{np.median(without_centre[worse] - all_open[worse]) / 60:.1f} min) and {lost.sum()} "
      "unreachable")""",
    ),
    (
        "code",
        """def minutes(seconds):
    m = pd.Series(seconds / 60.0)
    out = m[np.isfinite(m)].describe()
    out["unreachable"] = int((~np.isfinite(m)).sum())
    return out


pd.DataFrame(
    {"all points open": minutes(all_open), "without centre": minutes(without_centre)}
).round(1)""",
    ),
]


def main() -> None:
    nb = nbf.v4.new_notebook()
    nb["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    for kind, text in CELLS:
        cell = nbf.v4.new_markdown_cell(text) if kind == "md" else nbf.v4.new_code_cell(text)
        nb.cells.append(cell)
    path = Path(__file__).resolve().parents[1] / "notebooks" / "02_public_transport.ipynb"
    nbf.write(nb, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
