"""Tests of the Network type, its save/load and the build cache."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from tillganglighet import NetworkError
from tillganglighet._cache import cached_network, default_cache_dir, network_cache_path
from tillganglighet.network import FORMAT_VERSION, Network


def _net(**kw):
    args = {
        "u": [0, 0, 1, 2, 2, 3],
        "v": [1, 1, 2, 3, 0, 3],
        "travel_time_s": [5.0, 3.0, 2.0, 1.0, 4.0, 9.0],
        "length_m": [50.0, 40.0, 20.0, 10.0, 40.0, 1.0],
        "node_x": [0.0, 10.0, 20.0, 30.0],
        "node_y": [0.0, 0.0, 0.0, 0.0],
    }
    args.update(kw)
    u, v, tt, ln, x, y = (
        args.pop(k) for k in ("u", "v", "travel_time_s", "length_m", "node_x", "node_y")
    )
    args.setdefault("mode", "car")
    args.setdefault("metadata", {"source": "test"})
    return Network.from_edges(u, v, tt, ln, x, y, **args)


def test_from_edges_takes_minimum_of_parallel_edges_and_drops_self_loops():
    net = _net()
    assert net.n_nodes == 4
    assert net.n_edges == 4  # (0,1) twice -> once; (3,3) self-loop dropped
    m = net.csr().toarray()
    assert m[0, 1] == 3.0  # minimum, not the sum 8.0
    assert net.csr("length_m").toarray()[0, 1] == 40.0  # length of the fastest edge
    assert m[1, 2] == 2.0 and m[2, 3] == 1.0 and m[2, 0] == 4.0
    assert net.indptr.dtype == np.int64 and net.indices.dtype == np.int32
    assert net.metadata["crs"] == "EPSG:3006"
    assert net.metadata["created_with"].startswith("tillganglighet ")


def test_zero_weight_edges_are_kept_as_edges():
    net = _net(travel_time_s=[0.0, 3.0, 2.0, 1.0, 4.0, 9.0])
    from scipy.sparse.csgraph import dijkstra

    assert dijkstra(net.csr(), indices=0)[1] == 0.0


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("travel_time_s", [np.nan, 1, 1, 1, 1, 1], "1 edge(s)"),
        ("travel_time_s", [-1, -2, 1, 1, 1, 1], "2 edge(s)"),
        ("length_m", [1, 1, np.inf, 1, 1, 1], "edge #2"),
    ],
)
def test_bad_weights_raise_with_count_and_example(field, value, needle):
    with pytest.raises(NetworkError, match=field) as info:
        _net(**{field: value})
    assert needle in str(info.value)


def test_structural_errors():
    with pytest.raises(NetworkError, match="empty"):
        Network.from_edges([], [], [], [], [], [], mode="car")
    with pytest.raises(NetworkError, match="same length"):
        _net(v=[1, 2])
    with pytest.raises(NetworkError, match="outside"):
        _net(v=[1, 1, 2, 3, 0, 7])
    with pytest.raises(NetworkError, match="mode"):
        _net(mode="bike")
    with pytest.raises(NetworkError, match="self-loop"):
        Network.from_edges([0], [0], [1.0], [1.0], [0.0], [0.0], mode="car")


def test_reversed_and_components():
    net = _net()
    rev = net.reversed()
    assert (rev.csr().toarray() == net.csr().toarray().T).all()
    assert rev.reversed() is net
    assert rev.metadata["reversed"] is True
    n, labels = net.components("strong")
    assert n == 2  # node 3 only has a (dropped) self-loop: no way out
    assert labels[0] == labels[1] == labels[2] != labels[3]
    assert net.largest_component_share() == 0.75
    assert net.largest_component_mask().tolist() == [True, True, True, False]
    one_way = Network.from_edges([0, 1], [1, 2], [1, 1], [1, 1], [0, 1, 2], [0, 0, 0], mode="car")
    assert one_way.components("strong")[0] == 3
    assert one_way.largest_component_share("weak") == 1.0
    assert one_way.largest_component_share("strong") == pytest.approx(1 / 3)


def test_save_load_round_trip(tmp_path):
    net = _net(node_id=[10, 20, 30, 40], metadata={"source": "test", "build_params": {"a": 1}})
    path = net.save(tmp_path / "sub" / "net.npz")
    assert [p.name for p in path.parent.iterdir()] == ["net.npz"]  # no temp file left
    back = Network.load(path)
    for f in ("indptr", "indices", "travel_time_s", "length_m", "node_x", "node_y", "node_id"):
        a, b = getattr(net, f), getattr(back, f)
        assert a.dtype == b.dtype and np.array_equal(a, b), f
    assert back.mode == "car" and back.metadata == net.metadata


def test_load_rejects_garbage_and_other_versions(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(NetworkError, match="bad.npz"):
        Network.load(bad)
    with pytest.raises(NetworkError, match="missing.npz"):
        Network.load(tmp_path / "missing.npz")
    good = _net().save(tmp_path / "v.npz")
    with np.load(good) as z:
        arrays = dict(z)
    arrays["format_version"] = np.array(FORMAT_VERSION + 1)
    np.savez(tmp_path / "v2.npz", **arrays)
    with pytest.raises(NetworkError, match="format version"):
        Network.load(tmp_path / "v2.npz")
    assert zipfile.is_zipfile(good)


def test_to_networkx():
    nx = pytest.importorskip("networkx")
    G = _net(node_id=[10, 20, 30, 40]).to_networkx()
    assert isinstance(G, nx.MultiDiGraph)
    assert G.number_of_nodes() == 4 and G.number_of_edges() == 4
    assert G.nodes[1] == {"x": 10.0, "y": 0.0, "osmid": 20}
    assert G.edges[0, 1, 0] == {"travel_time": 3.0, "length": 40.0}
    assert G.graph["crs"] == "EPSG:3006"


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TILLGANGLIGHET_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("TILLGANGLIGHET_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x" / "tillganglighet"


def test_cache_hits_and_invalidates_on_input_change(tmp_path):
    src = tmp_path / "input.bin"
    src.write_bytes(b"version 1")
    calls = []

    def build():
        calls.append(1)
        return _net(metadata={"source": "test", "n": len(calls)})

    key = {"builder": "test", "input_files": [str(src)], "mode": "car"}
    a = cached_network(key, build, cache_dir=tmp_path / "cache")
    b = cached_network(key, build, cache_dir=tmp_path / "cache")
    assert len(calls) == 1 and b.metadata["n"] == 1
    assert np.array_equal(a.travel_time_s, b.travel_time_s)
    assert network_cache_path(key, cache_dir=tmp_path / "cache").is_file()
    # Other parameters -> other entry.
    cached_network({**key, "mode": "walk"}, build, cache_dir=tmp_path / "cache")
    assert len(calls) == 2
    # Same size, same name, new content -> rebuilt.
    src.write_bytes(b"version 2")
    c = cached_network(key, build, cache_dir=tmp_path / "cache")
    assert len(calls) == 3 and c.metadata["n"] == 3


def test_cache_replays_build_warnings(tmp_path):
    import warnings

    def build():
        warnings.warn("something odd in the input", UserWarning, stacklevel=1)
        return _net()

    key = {"builder": "warn"}
    with pytest.warns(UserWarning, match="something odd"):
        cached_network(key, build, cache_dir=tmp_path)
    with pytest.warns(UserWarning, match=r"\(cached build\) something odd"):
        cached_network(key, build, cache_dir=tmp_path)
    warn_file = next(tmp_path.glob("*.warnings.json"))
    assert json.loads(warn_file.read_text()) == ["something odd in the input"]


def test_tails_are_cached_read_only_and_match_csr():
    net = Network.from_edges(
        [0, 0, 1, 2, 2], [1, 2, 2, 0, 1], [1.0] * 5, [1.0] * 5, [0.0] * 3, [0.0] * 3, mode="car"
    )
    t = net.tails()
    assert t is net.tails() and not t.flags.writeable
    assert t.dtype == net.indices.dtype == np.int32
    assert t.tolist() == [0, 0, 1, 2, 2]
    rev = net.reversed()
    assert rev.reversed() is net and net.reversed() is rev
    # reversed edges: (head, tail) pairs of the forward graph
    pairs = sorted(zip(rev.tails().tolist(), rev.indices.tolist(), strict=True))
    assert pairs == sorted(zip(net.indices.tolist(), t.tolist(), strict=True))
