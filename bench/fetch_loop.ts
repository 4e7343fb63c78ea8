/**
 * Contender "bare fetch loop": the ceiling. N POSTs of a small JSON body with
 * `concurrency` in flight, each response body read, nothing stored. Prints one
 * JSON line: `{ requests, ok, ms }`.
 *
 * Usage: `deno run --allow-net bench/fetch_loop.ts URL N CONCURRENCY [--sequential]`
 *
 * @module
 */

if (import.meta.main) {
  const [url = "", n = "1000", c = "64"] = Deno.args;
  const total = Number(n);
  const concurrency = Deno.args.includes("--sequential") ? 1 : Number(c);
  let next = 0;
  let ok = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ q: `query ${i}` }),
      });
      await response.text();
      if (response.ok) ok++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - started;
  // deno-lint-ignore no-console
  console.log(JSON.stringify({ requests: total, ok, ms }));
}
