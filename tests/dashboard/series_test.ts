import assert from "node:assert/strict";
import { derive } from "../../lib/dashboard/client/series.js";

const base = { done: 0, failed: 0, sent: 0, throttled: 0, retried: 0, rate: 0 };

Deno.test("derive() makes each cost unit's spend per second, what was left, and the spans a unit set the pace", () => {
  const points = [
    { ...base, at: 1_000 },
    { ...base, at: 2_000, units: [{ unit: "tokens", spent: 400, left: 600, pacing: true }] },
    { ...base, at: 4_000, units: [{ unit: "tokens", spent: 1_200, left: 100, pacing: true }] },
    {
      ...base,
      at: 5_000,
      units: [{ unit: "tokens", spent: 1_500, left: 900 }, { unit: "points", spent: 7 }],
    },
  ];
  const d = derive(points) as unknown as Record<string, unknown>;
  assert.deepEqual(d.units, ["tokens", "points"]);
  assert.deepEqual(d["spent:tokens"], [null, null, 400, 300]);
  assert.deepEqual(d["left:tokens"], [null, 600, 100, 900]);
  assert.deepEqual(d["spent:points"], [null, null, null, null]);
  assert.deepEqual(d["left:points"], [null, null, null, null]);
  assert.deepEqual(d.paceSpans, [[2, 5, "pace"]]);
  // The retries chart's spans (cooldowns, pauses) are apart.
  assert.deepEqual(d.spans, []);
});
