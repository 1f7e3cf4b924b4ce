"""Offline pages: Leaflet inlined from XStatic-Leaflet, deterministic ids, saving.

:func:`render_page` turns a map into one HTML document with no internet reference
(except background tiles, when the map has them) and with folium's random element
ids replaced by numbered ones, so identical inputs give a byte-identical file.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from tillganglighet._atomic import atomic_write_text
from tillganglighet.errors import OfflineAssetError

if TYPE_CHECKING:
    import folium

#: Leaflet version folium 0.20 links to; the inlined copy comes from XStatic-Leaflet.
LEAFLET_VERSION = "1.9.3"
LEAFLET_JS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
LEAFLET_CSS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"


@cache
def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS (images as data: URIs) from XStatic-Leaflet."""
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as exc:
        raise ImportError(
            "Offline maps inline Leaflet from the XStatic-Leaflet package: "
            "`pip install XStatic-Leaflet` (or save with offline=False)."
        ) from exc
    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(name: str) -> str:
        raw = (base / "images" / name).read_bytes()
        return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")

    css = re.sub(
        r"url\((['\"]?)images/([\w.-]+\.png)\1\)", lambda mo: f'url("{data_uri(mo.group(2))}")', css
    )
    icons = (
        "L.Icon.Default.mergeOptions({"
        f"iconUrl:{json.dumps(data_uri('marker-icon.png'))},"
        f"iconRetinaUrl:{json.dumps(data_uri('marker-icon-2x.png'))},"
        f"shadowUrl:{json.dumps(data_uri('marker-shadow.png'))}}});"
        "L.Icon.Default.imagePath='';"  # a string: no path detection from the CSS
    )
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    js = js.replace("</script", "<\\/script") + "\n" + icons
    css = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css)
    return js, css.replace("</style", "<\\/style")


_SCRIPT_SRC = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)[^>]*>\s*</script>", re.IGNORECASE
)
_LINK_HREF = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?([^\"'\s>]+)[^>]*/?>", re.IGNORECASE)
_EXTERNAL = re.compile(
    r"(?:<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc"
    r"|<link\b[^>]*\bhref)\s*=\s*[\"']?\s*((?:https?:)?//[^\"'\s>]*)"
    r"|url\(\s*[\"']?\s*((?:https?:)?//[^\"')\s]*)"
    r"|(@import\b[^;]*)",
    re.IGNORECASE,
)
#: folium/branca element ids: ``<camelName>_<32 hex digits from uuid4>``.
_ELEMENT_ID = re.compile(r"(?<=[A-Za-z0-9])_([0-9a-f]{32})(?![0-9a-f])")


def external_references(page: str) -> list[str]:
    """Return the internet addresses of scripts, style sheets and images in ``page``.

    Parameters
    ----------
    page
        An HTML document.

    Returns
    -------
    list of str
        Every ``http://``, ``https://`` or protocol-relative ``src``/``href`` of a
        script, style sheet, image or frame, CSS ``url(...)`` and ``@import`` found.
    """
    return [next((g for g in mo.groups() if g), mo.group(0)) for mo in _EXTERNAL.finditer(page)]


def _inline_leaflet(page: str) -> str:
    js, css = _leaflet_assets()

    def script(mo: re.Match[str]) -> str:
        if mo.group(1).rsplit("/", 1)[-1] == "leaflet.js":
            return f"<script>{js}</script>"
        return mo.group(0)

    def link(mo: re.Match[str]) -> str:
        if mo.group(1).rsplit("/", 1)[-1] == "leaflet.css":
            return f"<style>{css}</style>"
        return mo.group(0)

    return _LINK_HREF.sub(link, _SCRIPT_SRC.sub(script, page))


def deterministic_ids(page: str) -> str:
    """Replace folium's random element ids by ``_1``, ``_2``, ... in order of appearance."""
    numbers: dict[str, str] = {}

    def number(mo: re.Match[str]) -> str:
        return "_" + numbers.setdefault(mo.group(1), str(len(numbers) + 1))

    return _ELEMENT_ID.sub(number, page)


def render_page(m: folium.Map, *, offline: bool = True) -> str:
    """The map as one HTML document (``lang="sv"``, deterministic ids).

    Parameters
    ----------
    m
        The map.
    offline
        Inline Leaflet and refuse external scripts, style sheets and images.

    Raises
    ------
    OfflineAssetError
        With ``offline=True``, when the page still references an external asset.
    """
    page = m.get_root().render()
    if offline:
        page = _inline_leaflet(page)
        remaining = external_references(page)
        if remaining:
            raise OfflineAssetError(
                "save_map(offline=True): the map still loads these from the internet: "
                + ", ".join(sorted(set(remaining)))
                + ". Build it with accessibility_map() (Leaflet only), drop the assets from "
                "m.default_js / m.default_css, or save with offline=False."
            )
    page = page.replace("<html>", '<html lang="sv">', 1)
    return deterministic_ids(page)


def save_map(m: folium.Map, path: str | os.PathLike[str], *, offline: bool = True) -> Path:
    """Write a map to one HTML file, atomically (temporary file, then rename).

    Parameters
    ----------
    m
        The map, e.g. from :func:`accessibility_map`.
    path
        Target file; its folder is created if needed.
    offline
        Inline Leaflet (JavaScript, CSS and images) so the file opens with no internet,
        and check that no script, style sheet or image is loaded from the internet
        (background tiles, if the map has them, still are). False: link Leaflet from
        its CDN as folium does.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OfflineAssetError
        With ``offline=True``, when the page still references an external script, style
        sheet or image (e.g. a map with folium's default jQuery/Bootstrap assets or a
        plugin); nothing is written.
    """
    target = Path(path)
    page = render_page(m, offline=offline)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, page)
    return target


class OfflineMap:
    """A map that displays offline in a notebook (Leaflet inlined into the frame).

    Jupyter shows it through :meth:`_repr_html_`: the whole page, Leaflet included,
    goes into the ``srcdoc`` of an iframe, so the map shows with no internet (folium's
    own display loads Leaflet from a CDN).

    Parameters
    ----------
    m
        The folium map (kept as :attr:`map`).
    height
        Height of the frame in the notebook, CSS pixels.
    """

    def __init__(self, m: folium.Map, *, height: int = 640) -> None:
        self.map = m
        self.height = height

    def html(self) -> str:
        """The offline page (as :func:`save_map` writes it)."""
        return render_page(self.map, offline=True)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the offline page to ``path`` (see :func:`save_map`)."""
        return save_map(self.map, path, offline=True)

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" '
            f'style="width:100%;height:{int(self.height)}px;border:none" '
            'title="Karta"></iframe>'
        )
