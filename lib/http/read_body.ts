/**
 * Reading a response body under a size cap that counts the bytes as they are
 * decoded: a small gzip (or br, deflate) that expands far beyond the cap is
 * stopped at the cap, never held whole. Only an unencoded body's
 * Content-Length is trusted to refuse it before reading.
 *
 * The body is kept as received: as text when its bytes are valid in the
 * charset Content-Type declares (UTF-8 when none, or when it names one the
 * platform does not know) and hold no NUL, else as the bytes themselves
 * (see {@linkcode storedBody}).
 *
 * @module
 */
import { type StoredBody, storedBody } from "../util/stored_body.ts";
import { isNetworkError, networkCall, NetworkError } from "./network_error.ts";
import { headerField } from "../util/header_fields.ts";

/** What {@linkcode readBody} read. */
export type BodyReading =
  /** The body: its text, or its bytes when they are not text. */
  | { kind: "body"; body: StoredBody }
  /** The decoded body went over the cap; the rest was not read. */
  | { kind: "too_large" }
  /** The body could not be decoded (a broken gzip, br or deflate stream). */
  | { kind: "invalid"; message: string };

/** Options for {@linkcode readBody}. */
export interface ReadBodyOptions {
  /** Largest decoded body accepted, in bytes. @default 10_000_000 */
  maxBytes?: number;
}

// fetch's error when the connection fails in the middle of a body: the network's.
const CONNECTION_ERROR = /connection/i;
// The first size of the buffer a streamed body is read into; it doubles as needed.
const FIRST_BUFFER_BYTES = 65_536;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;
// Charset labels as TextDecoder names them ("latin1" → "windows-1252"), or null when unknown.
const encodings = new Map<string, string | null>();

/**
 * Reads `response`'s body, at most `maxBytes` of it once decoded.
 *
 * @throws {NetworkError} When the body's stream fails for the network or an
 * abort (its error is the cause); a decoding failure is a `kind: "invalid"`
 * reading instead.
 *
 * @example Usage
 * ```ts
 * import { readBody } from "./read_body.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(await readBody(new Response("hello")), { kind: "body", body: "hello" });
 * assert.deepEqual(await readBody(new Response("hello"), { maxBytes: 4 }), { kind: "too_large" });
 * const bytes = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
 * const latin1 = new Response(bytes, {
 *   headers: { "content-type": "text/plain; charset=iso-8859-1" },
 * });
 * assert.deepEqual(await readBody(latin1), { kind: "body", body: "café" });
 * assert.deepEqual(await readBody(new Response(bytes)), { kind: "body", body: bytes });
 * ```
 */
export function readBody(
  response: Response,
  options: ReadBodyOptions = {},
): Promise<BodyReading> {
  const { maxBytes = 10_000_000 } = options;
  const headers = response.headers;
  const encoded = isEncoded(headerField(headers, "content-encoding"));
  const length = encoded ? NaN : Number(headerField(headers, "content-length") ?? NaN);
  const charset = charsetOf(headerField(headers, "content-type"));
  // Unencoded, with a Content-Length under the cap: the framing holds the body to it.
  // (Most answers: read by a handler on the promise, no async frame of their own.)
  if (length <= maxBytes) {
    return networkCall(() => response.bytes())
      .then((bytes): BodyReading => ({ kind: "body", body: storedBody(bytes, charset) }));
  }
  return readStreamed(response, maxBytes, encoded, length, charset);
}

/** A body without a Content-Length under the cap: read as it comes, counted against it. */
async function readStreamed(
  response: Response,
  maxBytes: number,
  encoded: boolean,
  length: number,
  charset: string,
): Promise<BodyReading> {
  if (length > maxBytes) {
    await response.body?.cancel();
    return { kind: "too_large" };
  }
  if (!response.body) return { kind: "body", body: "" };
  // The bytes as they come, in one buffer grown as needed: they are the body when not text.
  let bytes = new Uint8Array(Math.min(maxBytes, FIRST_BUFFER_BYTES));
  let total = 0;
  const reader = chunkReader(response.body);
  try {
    while (true) {
      let chunk: Uint8Array | undefined;
      try {
        chunk = await reader.read();
      } catch (error) {
        // A stream that does not decompress is the body's fault; a broken connection, the network's.
        if (encoded && error instanceof TypeError && !CONNECTION_ERROR.test(error.message)) {
          return { kind: "invalid", message: error.message };
        }
        throw isNetworkError(error) ? new NetworkError(error) : error;
      }
      if (chunk === undefined) break;
      if (total + chunk.byteLength > maxBytes) {
        await reader.cancel();
        return { kind: "too_large" };
      }
      if (total + chunk.byteLength > bytes.length) {
        const grown = new Uint8Array(Math.min(maxBytes, 2 * (total + chunk.byteLength)));
        grown.set(bytes.subarray(0, total));
        bytes = grown;
      }
      bytes.set(chunk, total);
      total += chunk.byteLength;
    }
  } finally {
    reader.release();
  }
  const body = storedBody(bytes.subarray(0, total), charset);
  // Bytes kept as the body are copied out of the buffer, which may be twice their size.
  return { kind: "body", body: typeof body === "string" ? body : body.slice() };
}

/** Reads a body's chunks; each is valid until the next `read()`. */
interface ChunkReader {
  read(): Promise<Uint8Array | undefined>;
  cancel(): Promise<void>;
  release(): void;
}

// Bytes asked for per read of a byte stream.
const CHUNK_BYTES = 65_536;

/**
 * Reads into one buffer of its own when the stream is a byte stream (fetch's
 * bodies are): a decoded gzip comes in 4 KiB chunks, and a new ArrayBuffer
 * per chunk is memory outside the JavaScript heap that the garbage collector
 * frees late (measured: a run of gzip bombs at 1 MB each, c16, peaked at
 * 288 MB that way).
 */
function chunkReader(body: ReadableStream<Uint8Array>): ChunkReader {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream (a Response made in JavaScript, say): one chunk per read.
  }
  if (byob === undefined) {
    const reader = body.getReader();
    return {
      read: async () => (await reader.read()).value,
      cancel: () => reader.cancel().catch(() => {}),
      release: () => reader.releaseLock(),
    };
  }
  const reader = byob;
  let buffer = new Uint8Array(CHUNK_BYTES);
  return {
    async read() {
      const { done, value } = await reader.read(buffer);
      if (done || value === undefined) return undefined;
      // The buffer was transferred to the stream and back: keep its new self.
      buffer = new Uint8Array(value.buffer);
      return value;
    },
    cancel: () => reader.cancel().catch(() => {}),
    release: () => reader.releaseLock(),
  };
}

function isEncoded(encoding: string | null): boolean {
  return encoding !== null && encoding.trim() !== "" &&
    encoding.trim().toLowerCase() !== "identity";
}

/** The TextDecoder's name for the declared charset; utf-8 when none or unknown. */
function charsetOf(contentType: string | null): string {
  const label = contentType === null ? undefined : CHARSET.exec(contentType)?.[1];
  if (label === undefined) return "utf-8";
  let encoding = encodings.get(label);
  if (encoding === undefined) {
    try {
      encoding = new TextDecoder(label).encoding;
    } catch {
      encoding = null;
    }
    if (encodings.size < 100) encodings.set(label, encoding);
  }
  return encoding ?? "utf-8";
}
