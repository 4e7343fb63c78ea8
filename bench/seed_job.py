"""Contender "the seed's whole job": Python asyncio + aiohttp + gather, in blocks.

Reads the same JSONL input as sluice (one {"id": i, "q": "..."} per line) and,
block by block of 10,000 queries, POSTs each query's body with at most
CONCURRENCY in flight (a Semaphore, every task of the block created up front
and gathered), then stores the block's answers in SQLite with one `executemany`
and a commit. Like sluice without --into it stores each answer's body as text;
unlike sluice it cannot resume after a kill. Prints one JSON line:
{"requests": N, "ok": OK, "ms": MS}.

Usage: /usr/bin/python3 bench/seed_job.py URL INPUT.jsonl CONCURRENCY DB
"""
import asyncio
import json
import sqlite3
import sys
import time

import aiohttp

BLOCK = 10_000


def read_queries(path: str) -> list:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


async def main(url: str, path: str, concurrency: int, db_path: str) -> None:
    started = time.perf_counter()
    queries = read_queries(path)
    db = sqlite3.connect(db_path)
    db.execute(
        "CREATE TABLE IF NOT EXISTS results"
        " (id INTEGER PRIMARY KEY, q TEXT, status INTEGER, body TEXT)"
    )
    semaphore = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    ok = 0
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(query: dict) -> tuple:
            async with semaphore:
                async with session.post(url, json={"q": query["q"]}) as response:
                    return (query["id"], query["q"], response.status, await response.text())

        for start in range(0, len(queries), BLOCK):
            rows = await asyncio.gather(*(one(q) for q in queries[start : start + BLOCK]))
            db.executemany("INSERT INTO results VALUES (?, ?, ?, ?)", rows)
            db.commit()
            ok += sum(1 for row in rows if row[2] == 200)
    db.close()
    ms = (time.perf_counter() - started) * 1000
    print(json.dumps({"requests": len(queries), "ok": ok, "ms": ms}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
