"""Contender "the seed": Python asyncio + aiohttp + Semaphore + gather.

N POSTs of a small JSON body, at most CONCURRENCY in flight, every task
created up front and gathered (as the seed script does). Prints one JSON line:
{"requests": N, "ok": OK, "ms": MS}.

Usage: /usr/bin/python3 bench/aiohttp_gather.py URL N CONCURRENCY
"""
import asyncio
import json
import sys
import time

import aiohttp


async def main(url: str, total: int, concurrency: int) -> None:
    semaphore = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(i: int) -> int:
            async with semaphore:
                async with session.post(url, json={"q": f"query {i}"}) as response:
                    await response.text()
                    return response.status

        started = time.perf_counter()
        statuses = await asyncio.gather(*(one(i) for i in range(total)))
        ms = (time.perf_counter() - started) * 1000
    ok = sum(1 for s in statuses if s == 200)
    print(json.dumps({"requests": total, "ok": ok, "ms": ms}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
