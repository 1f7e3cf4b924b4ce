"""Download GTFS feeds from Trafiklab's open-data API (API key required).

Documented download URLs (Trafiklab, checked 2026-12):

- GTFS Sverige 2 (national, all operators, ``feed="sverige2"``):
  ``https://api.resrobot.se/gtfs/sweden.zip?key={apikey}``
  (https://www.trafiklab.se/api/trafiklab-apis/gtfs-sverige-2/static-data/; Bronze key:
  1 call per minute, 50 per month).
- GTFS Sweden 3 (aggregate of the regional feeds, not yet complete, ``feed="sweden3"``):
  ``https://opendata.samtrafiken.se/gtfs-sweden/sweden.zip?key={apikey}``
  (https://www.trafiklab.se/api/trafiklab-apis/gtfs-sweden/static/). This is the URL
  issue 10 gave for "GTFS Sverige 2"; Trafiklab documents it for GTFS Sweden 3.
- GTFS Regional (one operator, ``feed="regional"``):
  ``https://opendata.samtrafiken.se/gtfs/{operator}/{operator}.zip?key={apikey}``
  (https://www.trafiklab.se/api/trafiklab-apis/gtfs-regional/static/; Bronze: 10 calls
  per minute, 50 per month).

The key is read from the environment variable ``TRAFIKLAB_API_KEY`` unless given, and is
masked (``key=***``) in every message. The download goes to ``<target>.part``; an
interrupted download is resumed with an HTTP ``Range`` request, and restarted from
scratch when the server does not honour it. The finished file is checked (a readable
zip, every member's CRC, the GTFS files routing needs) before it is renamed onto the
target in one atomic step, so the target is never half-written.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from ..errors import NetworkError, OutputWriteError

Progress = Callable[[str, int, int], None]

ENV_KEY = "TRAFIKLAB_API_KEY"
FEEDS = {
    "sverige2": ("https://api.resrobot.se", "/gtfs/sweden.zip"),
    "sweden3": ("https://opendata.samtrafiken.se", "/gtfs-sweden/sweden.zip"),
    "regional": ("https://opendata.samtrafiken.se", "/gtfs/{operator}/{operator}.zip"),
}
GTFS_REQUIRED = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
_CHUNK = 1 << 16


class FetchError(NetworkError):
    """A feed could not be downloaded or is not a valid GTFS zip."""


def mask_key(url: str) -> str:
    """The URL with its ``key`` query value replaced by ``***``."""
    return re.sub(r"(?i)([?&]key=)[^&#]*", r"\1***", url)


def feed_url(
    feed: str = "sverige2",
    *,
    operator: str | None = None,
    api_key: str,
    base_url: str | None = None,
) -> str:
    """Download URL of a Trafiklab feed (``base_url`` replaces the host, for mirrors/tests)."""
    if feed not in FEEDS:
        raise ValueError(f"feed must be one of {sorted(FEEDS)}, not {feed!r}")
    host, path = FEEDS[feed]
    if feed == "regional":
        if not operator or not re.fullmatch(r"[a-z0-9_-]+", operator):
            raise ValueError(
                "a regional feed needs an operator abbreviation such as 'sl', "
                "'ul', 'skane' or 'otraf'"
            )
        path = path.format(operator=operator)
    elif operator:
        raise ValueError(f"operator is only used with feed='regional' (not {feed!r})")
    base = (base_url or host).rstrip("/")
    return f"{base}{path}?key={urllib.parse.quote(api_key, safe='')}"


def verify_gtfs_zip(path: Path) -> list[str]:
    """Check a downloaded file: a zip whose members all pass their CRC, holding GTFS.

    Returns the member names; raises :class:`FetchError` otherwise.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FetchError(f"{path}: the download is not a readable zip archive ({exc})") from exc
    except Exception as exc:  # zlib errors and friends from testzip
        raise FetchError(f"{path}: the download is a damaged zip archive ({exc})") from exc
    if bad is not None:
        raise FetchError(f"{path}: the download is damaged (CRC error in {bad})")
    base = {n.rsplit("/", 1)[-1] for n in names}
    missing = [f for f in GTFS_REQUIRED if f not in base]
    if missing or not ({"calendar.txt", "calendar_dates.txt"} & base):
        raise FetchError(
            f"{path}: the zip is not a GTFS feed (missing "
            f"{', '.join(missing) or 'calendar.txt/calendar_dates.txt'})"
        )
    return names


def fetch_feed(
    target: str | os.PathLike[str],
    *,
    feed: str = "sverige2",
    operator: str | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    timeout: float = 60.0,
    progress: Progress | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Download a Trafiklab GTFS feed to ``target`` (atomically; resumable).

    Parameters
    ----------
    target
        Where the zip goes; its folder must exist. ``<target>.part`` holds an unfinished
        download between attempts.
    feed, operator
        ``"sverige2"`` (default), ``"sweden3"`` or ``"regional"`` with an operator.
    api_key
        Trafiklab API key; default: the ``TRAFIKLAB_API_KEY`` environment variable.
    base_url
        Replaces ``https://host`` (a mirror, or a local test server).
    timeout
        Socket timeout in seconds.
    progress
        ``progress("download", bytes_done, bytes_total_or_0)``.
    log
        Receives human-readable lines (the masked URL, resume/restart notes).

    Raises
    ------
    FetchError
        No key, HTTP or network failure, or a download that is not a valid GTFS zip (the
        partial file is then removed, so the next attempt starts clean).
    """
    key = api_key if api_key is not None else os.environ.get(ENV_KEY)
    if not key:
        raise FetchError(
            f"no Trafiklab API key: set the environment variable {ENV_KEY} "
            "(get a key at https://www.trafiklab.se)"
        )
    url = feed_url(feed, operator=operator, api_key=key, base_url=base_url)
    target = Path(target)
    if not target.parent.is_dir():
        raise OutputWriteError(f"{target}: the folder {target.parent} does not exist")
    part = target.with_name(target.name + ".part")
    say = log or (lambda _msg: None)
    say(f"downloading {mask_key(url)}")
    resumed = _download(url, part, timeout, progress, say)
    try:
        verify_gtfs_zip(part)
    except FetchError:
        part.unlink(missing_ok=True)
        if not resumed:
            raise
        say("the resumed download is not a valid zip; restarting from the beginning")
        _download(url, part, timeout, progress, say)
        try:
            verify_gtfs_zip(part)
        except FetchError:
            part.unlink(missing_ok=True)
            raise
    with open(part, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(part, target)
    say(f"saved {target} ({target.stat().st_size:,} bytes)")
    return target


def _download(
    url: str, part: Path, timeout: float, progress: Progress | None, say: Callable[[str], None]
) -> bool:
    """Fetch ``url`` into ``part``, resuming it if present. Returns True if it resumed."""
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(
        url, headers={"User-Agent": "tillganglighet", "Accept-Encoding": "identity"}
    )
    if have:
        req.add_header("Range", f"bytes={have}-")
    masked = mask_key(url)
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and have:
            say("the server refused the resume range; restarting from the beginning")
            part.unlink(missing_ok=True)
            return _download(url, part, timeout, progress, say)
        hint = {
            401: "the API key was rejected",
            403: "the API key was rejected or lacks access to this feed",
            404: "no such feed (check the operator name)",
            429: "too many requests: the key's quota is used up (Bronze keys allow 50 "
            "downloads a month)",
        }.get(exc.code, exc.reason)
        raise FetchError(f"{masked}: HTTP {exc.code} ({hint})") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(
            f"{masked}: cannot connect ({reason}); a partial download, if any, "
            f"is kept in {part} and resumed next time"
        ) from None
    with resp:
        status = resp.status
        resumed = False
        if have and status == 206:
            m = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", resp.headers.get("Content-Range", ""))
            if not m or int(m.group(1)) != have:
                raise FetchError(
                    f"{masked}: the server answered the resume request with an "
                    f"unexpected range ({resp.headers.get('Content-Range')})"
                )
            total = int(m.group(3)) if m.group(3) != "*" else 0
            mode = "ab"
            done = have
            resumed = True
            say(f"resuming at byte {have:,}")
        else:
            if have:
                say("the server does not support resuming; restarting from the beginning")
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else 0
            mode = "wb"
            done = 0
        expected_body = total - done if total else None
        got = 0
        try:
            with open(part, mode) as fh:
                while True:
                    chunk = resp.read(_CHUNK)
                    if not chunk:
                        break
                    fh.write(chunk)
                    got += len(chunk)
                    if progress:
                        progress("download", done + got, total)
                fh.flush()
                os.fsync(fh.fileno())
        except (OSError, urllib.error.URLError) as exc:
            raise FetchError(
                f"{masked}: the download broke off after {done + got:,} bytes "
                f"({exc}); run again to resume from {part}"
            ) from None
    if expected_body is not None and got < expected_body:
        raise FetchError(
            f"{masked}: the download broke off after {done + got:,} of "
            f"{total:,} bytes; run again to resume from {part}"
        )
    return resumed
