"""The page's static files, served from memory (server.routes.static_files): on a real server,
and the parts that need a directory of their own (a file changed on disk) through the ASGI app."""

from __future__ import annotations

import gzip
import http.client
import os
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from support.client import run

from server.routes.static_files import CachedStaticFiles

STATIC = Path(__file__).resolve().parent.parent / "static"


def fetch(server, path: str, method: str = "GET", **headers: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def test_a_module_comes_gzipped_to_a_browser_and_as_is_to_a_client_that_cannot_unzip(server):
    on_disk = (STATIC / "js/main.js").read_bytes()
    status, headers, body = fetch(server, "/static/js/main.js", **{"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == on_disk and len(body) < len(on_disk) / 2
    assert headers["content-type"].startswith("text/javascript")  # module scripts refuse other types
    assert headers["vary"] == "Accept-Encoding" and headers["cache-control"] == "no-cache"
    assert headers["content-security-policy"], "the security headers still apply"
    status, plain_headers, plain = fetch(server, "/static/js/main.js")
    assert status == 200 and plain == on_disk and "content-encoding" not in plain_headers
    assert plain_headers["etag"] != headers["etag"], "two representations, two tags"


def test_a_revalidation_with_the_tag_gets_304_and_no_body(server):
    _, headers, _ = fetch(server, "/static/css/playground.css", **{"Accept-Encoding": "gzip"})
    status, again, body = fetch(server, "/static/css/playground.css",
                                **{"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})
    assert (status, body, again["etag"]) == (304, b"", headers["etag"])
    # the tag of the other representation does not match this one
    status, _, body = fetch(server, "/static/css/playground.css", **{"If-None-Match": headers["etag"]})
    assert status == 200 and body == (STATIC / "css/playground.css").read_bytes()
    status, zipped_headers, _ = fetch(server, "/static/css/playground.css", **{"Accept-Encoding": "gzip;q=0"})
    assert status == 200 and "content-encoding" not in zipped_headers, "q=0 refuses gzip"


def test_small_files_and_licences_come_whole_and_head_sends_no_body(server):
    status, headers, body = fetch(server, "/static/vendor/uplot/LICENSE", **{"Accept-Encoding": "gzip"})
    assert status == 200 and body == (STATIC / "vendor/uplot/LICENSE").read_bytes()
    status, headers, body = fetch(server, "/static/js/main.js", "HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) == (STATIC / "js/main.js").stat().st_size


@pytest.mark.parametrize("path", ["/static/../pyproject.toml", "/static/js/../../server/app.py",
                                  "/static/%2e%2e/pyproject.toml", "/static/js/missing.js", "/static/js",
                                  "/static/js/main.js%00.png"])
def test_nothing_outside_the_static_files_is_served(server, path):
    status, _, body = fetch(server, path)
    assert status == 404, (path, body[:80])


def test_other_methods_are_refused_with_405(server):
    status, headers, _ = fetch(server, "/static/js/main.js", "POST")
    assert status == 405 and "GET" in headers["allow"]


def test_a_file_changed_on_disk_is_served_anew_and_a_removed_one_is_gone(tmp_path):
    page = tmp_path / "a.js"
    page.write_text("export const a = 1;\n" * 100)
    app = Starlette(routes=[Mount("/static", CachedStaticFiles(str(tmp_path)))])

    async def scenario():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            first = await client.get("/static/a.js")
            assert first.status_code == 200 and first.text == page.read_text()
            page.write_text("export const a = 2;\n" * 100)
            os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1_000_000_000))
            second = await client.get("/static/a.js")
            assert second.text == page.read_text() and second.headers["etag"] != first.headers["etag"]
            page.unlink()
            assert (await client.get("/static/a.js")).status_code == 404

    run(scenario())
