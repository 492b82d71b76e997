"""Page load benchmark: the server's CPU and the bytes for the files one page load fetches.

Starts a 1-worker server, reads the page (`/`) for the files it links and preloads, then fetches
them all over one kept-alive connection, `rounds` times, as a browser with an empty cache does
(Accept-Encoding: gzip unless --no-gzip). Reports the median server CPU per page load (from
/proc, so the client's own time is not counted) and the bytes on the wire.

    python bench/page_load_bench.py [--rounds 20] [--no-gzip]
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics

from server_bench import cpu_seconds, free_port, process_tree, start_server


def page_files(conn: http.client.HTTPConnection) -> list[str]:
    """The /static/ URLs the page links (styles, icon, module preloads and its entry module)."""
    conn.request("GET", "/")
    html = conn.getresponse().read().decode()
    return sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html)))


def load_once(conn: http.client.HTTPConnection, urls: list[str], gzip: bool) -> int:
    """Fetch every file once; the bytes of the bodies as sent."""
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    sent = 0
    for url in urls:
        conn.request("GET", url, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{url}: HTTP {response.status}")
        sent += len(body)
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--no-gzip", action="store_true")
    args = parser.parse_args()
    port = free_port()
    proc = start_server(port, 1)
    try:
        pids = process_tree(proc.pid)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        urls = page_files(conn)
        load_once(conn, urls, not args.no_gzip)  # the first load reads the files
        sent = 0
        costs = []
        for _ in range(args.rounds):
            before = cpu_seconds(pids)
            sent = load_once(conn, urls, not args.no_gzip)
            costs.append(cpu_seconds(pids) - before)
        print(f"{len(urls)} files, {sent / 1024:.0f} KB sent per page load "
              f"({'gzip' if not args.no_gzip else 'no gzip'}); server CPU per page load: "
              f"median {1000 * statistics.median(costs):.0f} ms over {args.rounds} loads")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
