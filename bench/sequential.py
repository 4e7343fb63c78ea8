"""Contender "the before": a sequential loop, one request at a time.

Python's standard library only (http.client over one keep-alive connection),
so it runs wherever /usr/bin/python3 does. Prints one JSON line:
{"requests": N, "ok": OK, "ms": MS}.

Usage: /usr/bin/python3 bench/sequential.py URL N
"""
import http.client
import json
import sys
import time
from urllib.parse import urlsplit


def main(url: str, total: int) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port)
    ok = 0
    started = time.perf_counter()
    for i in range(total):
        body = json.dumps({"q": f"query {i}"})
        connection.request("POST", parts.path, body, {"content-type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status == 200:
            ok += 1
    ms = (time.perf_counter() - started) * 1000
    connection.close()
    print(json.dumps({"requests": total, "ok": ok, "ms": ms}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
