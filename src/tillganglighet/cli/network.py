"""``tillganglighet network ...`` commands (mounted by :mod:`tillganglighet.cli`).

Thin: parses options, calls :func:`tillganglighet.networks.osm.network_from_pbf` through the
on-disk cache, prints a summary, and turns :class:`TillganglighetError` and
:class:`OSError` into ``Error: ...`` and exit 1 (no traceback).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from tillganglighet.cli._console import console, fail
from tillganglighet.cli._progress import rich_progress
from tillganglighet.errors import NetworkError, TillganglighetError

network_app = typer.Typer(help="Build and inspect road networks.", no_args_is_help=True)


@network_app.callback()
def _group() -> None:
    """Build and inspect road networks."""


@network_app.command("build")
def build(
    osm: Annotated[
        Path | None, typer.Option("--osm", help="OSM PBF (or .osm XML) file to build from.")
    ] = None,
    mode: Annotated[str, typer.Option("--mode", help="car or walk.")] = "car",
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the network to this .npz file.")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Build from scratch; do not read or write the cache.")
    ] = False,
    modelled: Annotated[
        bool, typer.Option("--modelled", help="Build the modelled national default network.")
    ] = False,
) -> None:
    """Build a road network (cached) and print a summary.

    Examples: [bold]tillganglighet network build --osm sweden-latest.osm.pbf --out sweden.npz[/bold]
    (then `tillganglighet analyze --network sweden.npz`), or
    [bold]tillganglighet network build --modelled[/bold].
    """
    from tillganglighet.networks.cache import network_cache_path
    from tillganglighet.networks.graph import check_output_path
    from tillganglighet.networks.load import modelled_network, osm_network
    from tillganglighet.networks.modelled.build import modelled_builder_key

    started = time.perf_counter()
    try:
        if out is not None:
            check_output_path(out)  # fail before a long build, not after it
        if mode not in ("car", "walk"):
            raise typer.BadParameter(f"--mode must be 'car' or 'walk', got {mode!r}.")
        m: Literal["car", "walk"] = "car" if mode == "car" else "walk"
        if modelled == (osm is not None):
            raise typer.BadParameter("give either --osm FILE.pbf or --modelled.")
        cache_path: Path | None = None
        cache_hit = False
        if modelled:
            if m != "car":
                raise typer.BadParameter("the modelled network is a car network (--mode car).")
            if not no_cache:
                cache_path = network_cache_path(modelled_builder_key())
                cache_hit = cache_path.is_file()
            net = modelled_network(use_cache=not no_cache)
        else:
            assert osm is not None
            if not osm.is_file():
                raise NetworkError(f"OSM file not found: {str(osm)!r}.")
            if not no_cache:
                key = {"builder": "network_from_pbf", "mode": m, "input_files": [str(osm)]}
                cache_path = network_cache_path(key)
                cache_hit = cache_path.is_file()
            with rich_progress(transient=True) as progress:
                net = osm_network(osm, mode=m, use_cache=not no_cache, progress=progress)
        if out is not None:
            net.save(out)
        share = net.largest_component_share("strong")
    except (TillganglighetError, OSError) as exc:
        # OSError: a file problem not turned into a TillganglighetError by the library;
        # its message names the file.
        raise fail(exc) from None
    table = Table(title="Network", show_header=False)
    table.add_column("what")
    table.add_column("value")
    rows = [
        ("mode", net.mode),
        ("nodes", f"{net.n_nodes:,}"),
        ("edges", f"{net.n_edges:,}"),
        ("largest strongly connected share", f"{share:.1%}"),
        ("source", str(net.metadata.get("source"))),
        ("source file", str(net.metadata.get("source_file"))),
        ("sha256", str(net.metadata.get("source_sha256"))),
    ]
    if cache_path is not None:
        state = "hit" if cache_hit else "written" if cache_path.is_file() else "not written"
        rows.append(("cache", f"{cache_path} ({state})"))
    else:
        rows.append(("cache", "not used (--no-cache)"))
    if out is not None:
        rows.append(("written to", str(out)))
    rows.append(("seconds", f"{time.perf_counter() - started:.2f}"))
    for what, value in rows:  # values name files: escape rich markup ("[kopia]")
        table.add_row(what, escape(value))
    console.print(table)
