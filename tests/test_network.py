"""Tests of the Network type, its save/load and the build cache."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tillganglighet import NetworkError
from tillganglighet.networks.cache import (
    cached_array,
    cached_network,
    default_cache_dir,
    network_cache_path,
)
from tillganglighet.networks.graph import FORMAT_VERSION, Network


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
    return Network.from_edges(u, v, travel_time_s=tt, length_m=ln, node_x=x, node_y=y, **args)


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
        Network.from_edges([], [], travel_time_s=[], length_m=[], node_x=[], node_y=[], mode="car")
    with pytest.raises(NetworkError, match="same length"):
        _net(v=[1, 2])
    with pytest.raises(NetworkError, match="outside"):
        _net(v=[1, 1, 2, 3, 0, 7])
    with pytest.raises(NetworkError, match="mode"):
        _net(mode="bike")
    with pytest.raises(NetworkError, match="self-loop"):
        Network.from_edges(
            [0], [0], travel_time_s=[1.0], length_m=[1.0], node_x=[0.0], node_y=[0.0], mode="car"
        )


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
    one_way = Network.from_edges(
        [0, 1],
        [1, 2],
        travel_time_s=[1, 1],
        length_m=[1, 1],
        node_x=[0, 1, 2],
        node_y=[0, 0, 0],
        mode="car",
    )
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
        [0, 0, 1, 2, 2],
        [1, 2, 2, 0, 1],
        travel_time_s=[1.0] * 5,
        length_m=[1.0] * 5,
        node_x=[0.0] * 3,
        node_y=[0.0] * 3,
        mode="car",
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


# --- save/load robustness ---------------------------------------------------------------


def _saved_arrays(tmp_path):
    path = _net(node_id=[10, 20, 30, 40]).save(tmp_path / "good.npz")
    with np.load(path) as z:
        return dict(z)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"indices": np.array([1.0, 2.0, 3.0, 0.0])}, "`indices` must hold integer"),
        ({"indptr": np.array([0.0, 1.0, 2.0, 4.0, 4.0])}, "`indptr` must hold integer"),
        ({"travel_time_s": np.array([3, 2, 1, 4])}, "`travel_time_s` must hold floating"),
        ({"node_x": np.array(["a", "b", "c", "d"])}, "`node_x` must hold floating"),
        ({"node_id": np.array([1.5, 2, 3, 4])}, "`node_id` must hold integer"),
        ({"indices": np.array([[1, 2, 3, 0]])}, "one-dimensional"),
        ({"indptr": np.array([1, 1, 2, 4, 4])}, "indptr"),
        ({"indptr": np.array([0, 3, 2, 4, 4])}, "indptr"),
        ({"indptr": np.array([0, 1, 2, 4, 5])}, "indptr"),
        ({"indices": np.array([1, 2, 3, 7])}, "out of range"),
        ({"length_m": np.array([1.0, 2.0])}, "differ in length"),
        ({"node_y": np.array([0.0, 0.0])}, "Inconsistent node arrays"),
        ({"node_x": np.array([0.0, np.nan, 0.0, 0.0])}, "coordinates must be finite"),
        ({"mode": np.array("bus")}, "`mode`"),
        ({"metadata_json": np.array("[1, 2]")}, "`metadata` must be a dict"),
        ({"metadata_json": np.array("{not json")}, "Expecting property name"),
        ({"indices": np.array([object()] * 4, dtype=object)}, "Python objects"),
        ({"format_version": np.array([1, 1])}, "TypeError"),
        ({"travel_time_s": None}, "missing array(s) travel_time_s"),
    ],
)
def test_load_rejects_wrong_dtypes_and_inconsistent_arrays(tmp_path, change, needle):
    arrays = _saved_arrays(tmp_path)
    for key, value in change.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    bad = tmp_path / "obj.npz"
    np.savez(bad, **arrays)
    with pytest.raises(NetworkError) as err:
        Network.load(bad)
    message = str(err.value)
    assert message.startswith(f"{bad} is not a tillganglighet network file: ")
    assert needle in message
    assert "allow_pickle" not in message  # numpy's advice to load unsafely is not shown


@pytest.mark.parametrize("content", [b"", b"hello\n", b"PK\x03\x04 truncated zip"])
def test_load_rejects_files_that_are_not_npz(tmp_path, content):
    bad = tmp_path / "text.npz"
    bad.write_bytes(content)
    with pytest.raises(NetworkError, match=r"text\.npz is not a tillganglighet network file"):
        Network.load(bad)


def test_load_names_missing_file_and_folder(tmp_path):
    with pytest.raises(NetworkError, match=r"nope\.npz: network file not found"):
        Network.load(tmp_path / "nope.npz")
    (tmp_path / "dir.npz").mkdir()
    with pytest.raises(NetworkError, match=r"dir\.npz is a folder"):
        Network.load(tmp_path / "dir.npz")


def test_constructor_checks_dtypes():
    net = _net()
    with pytest.raises(NetworkError, match="`indices` must hold integer"):
        Network(
            indptr=net.indptr,
            indices=net.indices.astype(float),
            travel_time_s=net.travel_time_s,
            length_m=net.length_m,
            node_x=net.node_x,
            node_y=net.node_y,
        )


def test_save_errors_name_the_path_and_the_reason(tmp_path):
    net = _net()
    (tmp_path / "dir.npz").mkdir()
    with pytest.raises(NetworkError, match=r"dir\.npz'?: it is a folder"):
        net.save(tmp_path / "dir.npz")
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    for target in (blocker / "x.npz", blocker / "sub" / "x.npz"):
        with pytest.raises(NetworkError, match=r"x\.npz'?: .*afile'? is a file, not a folder"):
            net.save(target)
    assert blocker.read_text() == "x"


def test_save_wraps_os_errors_and_leaves_no_temp_file(tmp_path, monkeypatch):
    net = _net()
    old = net.save(tmp_path / "net.npz").read_bytes()

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tillganglighet.networks.graph.os.fsync", full_disk)
    with pytest.raises(NetworkError, match=r"net\.npz'?: No space left on device"):
        net.save(tmp_path / "net.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]
    assert (tmp_path / "net.npz").read_bytes() == old  # previous file untouched


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_save_into_proc_is_a_network_error():
    with pytest.raises(NetworkError, match=r"/proc/x\.npz"):
        _net().save("/proc/x.npz")


# --- cache robustness --------------------------------------------------------------------


def test_cache_write_failure_warns_and_returns_the_network(tmp_path):
    not_a_folder = tmp_path / "cachefile"
    not_a_folder.write_text("x")
    calls = []

    def build():
        calls.append(1)
        return _net()

    for _ in range(2):
        with pytest.warns(UserWarning, match="could not write the cache entry .*continuing"):
            net = cached_network({"builder": "t"}, build, cache_dir=not_a_folder)
        assert net.n_edges == 4
    assert len(calls) == 2 and not_a_folder.read_text() == "x"


def test_corrupt_cached_network_is_replaced(tmp_path):
    key = {"builder": "corrupt"}
    path = network_cache_path(key, cache_dir=tmp_path)
    tmp_path.mkdir(exist_ok=True)
    path.write_bytes(b"")
    with pytest.warns(UserWarning, match="Ignoring unreadable cache entry"):
        net = cached_network(key, _net, cache_dir=tmp_path)
    assert net.n_edges == 4
    assert Network.load(path).n_edges == 4  # rewritten
    cached_network(key, lambda: pytest.fail("must be a cache hit"), cache_dir=tmp_path)


def test_corrupt_cached_warnings_file_rebuilds_the_entry(tmp_path):
    key = {"builder": "badwarn"}
    cached_network(key, _net, cache_dir=tmp_path)
    next(tmp_path.glob("*.warnings.json")).write_text("{truncated")
    with pytest.warns(UserWarning, match="Ignoring unreadable cache entry"):
        cached_network(key, _net, cache_dir=tmp_path)
    assert json.loads(next(tmp_path.glob("*.warnings.json")).read_text()) == []


@pytest.mark.parametrize("damage", ["empty", "truncated", "text"])
def test_corrupt_cached_array_is_recomputed_and_rewritten(tmp_path, damage):
    key = {"kind": "test", "damage": damage}
    calls = []

    def compute():
        calls.append(1)
        return np.arange(1000, dtype=np.float64).reshape(20, 50)

    first = cached_array(key, compute, cache_dir=tmp_path)
    (entry,) = tmp_path.glob("array-*.npy")
    data = entry.read_bytes()
    entry.write_bytes({"empty": b"", "truncated": data[: len(data) // 2], "text": b"x"}[damage])
    with pytest.warns(UserWarning, match="Ignoring unreadable cache entry"):
        again = cached_array(key, compute, cache_dir=tmp_path)
    assert np.array_equal(again, first) and len(calls) == 2
    assert np.array_equal(np.load(entry), first)  # rewritten, so the next run is a hit
    assert np.array_equal(cached_array(key, compute, cache_dir=tmp_path), first)
    assert len(calls) == 2


def test_cached_array_write_failure_warns_and_is_fsynced(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "cachefile"
    not_a_folder.write_text("x")
    with pytest.warns(UserWarning, match="could not write the cache entry .*continuing"):
        out = cached_array({"kind": "t"}, lambda: np.ones(3), cache_dir=not_a_folder)
    assert out.tolist() == [1.0, 1.0, 1.0]

    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(
        "tillganglighet.networks.cache.os.fsync", lambda fd: (synced.append(fd), real_fsync(fd))
    )
    cached_array({"kind": "t"}, lambda: np.ones(3), cache_dir=tmp_path / "ok")
    assert len(synced) == 1 and len(list((tmp_path / "ok").glob("array-*.npy"))) == 1


def test_cache_save_failure_reports_the_os_reason(tmp_path, monkeypatch):
    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tillganglighet.networks.graph.os.fsync", full_disk)
    with pytest.warns(UserWarning, match="No space left on device; continuing without the cache"):
        net = cached_network({"builder": "full"}, _net, cache_dir=tmp_path)
    assert net.n_edges == 4
    assert not list(tmp_path.glob("*.npz")) and not list(tmp_path.glob(".tmp-*"))
