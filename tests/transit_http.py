"""A local HTTP server on 127.0.0.1 serving one body, with Range support and faults."""

from __future__ import annotations

import contextlib
import http.server
import threading
from typing import ClassVar


class _State:
    body: bytes = b""
    status: int = 200
    honour_range: bool = True
    cut_after: int | None = None  # close the connection after this many body bytes
    requests: ClassVar[list[dict]] = []


class _Handler(http.server.BaseHTTPRequestHandler):
    state = _State

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:
        st = self.state
        st.requests.append({"path": self.path, "range": self.headers.get("Range")})
        if st.status != 200:
            self.send_response(st.status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = st.body
        start = 0
        rng = self.headers.get("Range")
        if rng and st.honour_range:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        payload = body[start:]
        if st.cut_after is not None:
            payload = payload[: st.cut_after]
            st.cut_after = None  # only the first response is cut
            self.wfile.write(payload)
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(payload)


@contextlib.contextmanager
def local_server():
    """Yield (state class, base URL) of a fresh server on 127.0.0.1."""

    class State(_State):
        requests: ClassVar[list[dict]] = []

    handler = type("H", (_Handler,), {"state": State})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield State, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
