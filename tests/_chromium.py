"""Headless Chromium for the map tests: screenshots and DOM probes, no network.

:func:`probe` copies a map page, appends a script that runs ``js`` (a function body
that ``return``s a JSON-able value) once the page has loaded, and returns that value
read back from Chromium's ``--dump-dom`` output: what a person would see after the
same clicks, taken from the live page.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium not installed (Debian: apt-get install chromium)")


def run_chromium(
    url: str, tmp: Path, *extra: str, size: str = "1200,1400"
) -> subprocess.CompletedProcess[str]:
    args = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp / 'profile'}",
        # Nothing can resolve: even a leaking page could not reach the internet.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--window-size={size}",
        "--virtual-time-budget=5000",
        *extra,
        url,
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=90, check=False)


_PROBE = """
<script>
window.addEventListener("load", function () {
  var out;
  try { out = (function () { %s })(); } catch (e) { out = {error: String(e && e.stack || e)}; }
  var pre = document.createElement("pre");
  pre.id = "tg-probe";
  pre.textContent = JSON.stringify(out === undefined ? null : out);
  document.body.appendChild(pre);
});
</script>
"""


def probe(page: Path, js: str | dict[str, str], tmp: Path, *, size: str = "1200,1400") -> Any:
    """Run ``js`` in the loaded page in headless Chromium and return its result.

    ``js`` may be a dict of named snippets, run in order in one page load; the result
    is then a dict of their results.
    """
    if isinstance(js, dict):
        js = (
            "return {"
            + ",".join(f"{json.dumps(k)}: (function () {{ {v} }})()" for k, v in js.items())
            + "};"
        )
    text = page.read_text(encoding="utf-8")
    probed = tmp / f"probe-{page.stem}.html"
    i = text.rindex("</body>")
    probed.write_text(text[:i] + _PROBE % js + text[i:], encoding="utf-8")
    done = run_chromium(probed.as_uri(), tmp, "--dump-dom", size=size)
    found = re.search(r'<pre id="tg-probe">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, done.stderr[-3000:]
    value = json.loads(html.unescape(found.group(1)))
    if isinstance(value, dict) and set(value) == {"error"}:
        raise AssertionError(f"probe script failed: {value['error']}")
    return value


#: JavaScript: every municipality popup as {name, rows: {heading: text}, verdicts: [..]}.
MUNICIPALITY_POPUPS_JS = """
var m = tgMaps.map, out = [];
tgMaps.made.choropleth[0].eachLayer(function (layer) {
  layer.openPopup();
  var el = layer.getPopup().getElement().querySelector(".leaflet-popup-content");
  var rows = {};
  el.querySelectorAll("tr").forEach(function (tr) {
    rows[tr.querySelector("th").textContent] = tr.querySelector("td").textContent;
  });
  out.push({
    name: el.querySelector("h3").textContent,
    rows: rows,
    verdicts: Array.from(el.querySelectorAll(".tg-gap, .tg-ok")).map(function (d) {
      return d.textContent;
    }),
    text: el.textContent
  });
  layer.closePopup();
});
return out;
"""
