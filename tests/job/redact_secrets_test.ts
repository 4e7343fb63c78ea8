import assert from "node:assert/strict";
import { redactSecrets } from "../../lib/job/redact_secrets.ts";

Deno.test("redactSecrets() replaces a secret as is and as URLs spell it", () => {
  const secret = "it's a/b+ä";
  const spellings = [
    secret,
    encodeURIComponent(secret), // it's%20a%2Fb%2B%C3%A4
    "it%27s%20a%2Fb%2B%C3%A4", // the strict form URL parsing gives a query
    encodeURI(secret), // it's%20a/b+%C3%A4: a base URL inserted as is
    "it's+a%2Fb%2B%C3%A4", // form encoding
  ];
  for (const spelling of spellings) {
    assert.equal(redactSecrets(`k=${spelling}&x=1`, [secret]), "k=***&x=1", spelling);
  }
});

Deno.test("redactSecrets() redacts a URL after URL parsing normalised it", () => {
  const secret = "it's me";
  const url = `https://api.test/s?k=${encodeURIComponent(secret)}`;
  assert.equal(new URL(url).href, "https://api.test/s?k=it%27s%20me");
  assert.equal(redactSecrets(new URL(url).href, [secret]), "https://api.test/s?k=***");
});

Deno.test("redactSecrets() replaces every occurrence of every secret, the longest first", () => {
  assert.equal(redactSecrets("abc abcdef abc", ["abc", "abcdef"]), "*** *** ***");
  assert.equal(redactSecrets("a.b a+b (x)", ["a.b", "(x)"]), "*** a+b ***");
  assert.equal(redactSecrets("1*2", ["*"]), "1***2");
});

Deno.test("redactSecrets() leaves text alone without secrets, and ignores empty ones", () => {
  assert.equal(redactSecrets("plain", undefined), "plain");
  assert.equal(redactSecrets("plain", []), "plain");
  assert.equal(redactSecrets("plain", [""]), "plain");
  assert.equal(redactSecrets("", ["x"]), "");
});
