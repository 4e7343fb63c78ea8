/**
 * The text encoding of an input, checked before any reader sees it: UTF-8
 * by default, validated as it streams (a Latin-1 byte would otherwise become
 * U+FFFD, and distinct queries would merge as duplicates), or any encoding
 * `TextDecoder` knows (`latin1`, `windows-1252`, `utf-16le`...), turned into
 * UTF-8. The readers downstream always get valid UTF-8, without a byte order
 * mark, cut on character boundaries.
 *
 * @module
 */
import { isUtf8 } from "node:buffer";
import { InputError } from "../errors.ts";

type Bytes = Uint8Array<ArrayBufferLike>;

/** Options for {@linkcode decodeInput}. */
export interface DecodeInputOptions {
  /**
   * The input's encoding: a label `TextDecoder` knows (WHATWG's list).
   *
   * @default {"utf-8"}
   */
  encoding?: string;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const BOMS = [UTF8_BOM, [0xff, 0xfe], [0xfe, 0xff]];

/** True when `bytes` may be the start of a byte order mark, cut short by the chunk's end. */
const bomCutShort = (bytes: Bytes) =>
  BOMS.some((bom) => bytes.length < bom.length && bytes.every((b, i) => b === bom[i]));

/** Second-byte bounds of a UTF-8 sequence by its lead byte (no overlongs, surrogates, > U+10FFFF). */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

/**
 * The offset of the first byte that does not start a valid UTF-8 sequence
 * (a truncated sequence at the end counts), or -1. Only run once validation
 * failed, to say where.
 *
 * @example Usage
 * ```ts
 * import { invalidUtf8At } from "./decode_input.ts";
 * import assert from "node:assert/strict";
 * assert.equal(invalidUtf8At(new TextEncoder().encode("café")), -1);
 * assert.equal(invalidUtf8At(new Uint8Array([0x63, 0x61, 0x66, 0xe9])), 3); // Latin-1 é
 * ```
 */
export function invalidUtf8At(bytes: Bytes): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const extra = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : 3;
    if (lead < 0xc2 || lead > 0xf4) return i;
    for (let j = 1; j <= extra; j++) {
      const [low, high] = j === 1 ? secondByteRange(lead) : [0x80, 0xbf];
      const byte = bytes[i + j];
      if (byte === undefined || byte < low || byte > high) return i;
    }
    i += extra + 1;
  }
  return -1;
}

/** Where the last character of `bytes` starts when it is cut short, else `bytes.length`. */
function completeUpTo(bytes: Bytes): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const byte = bytes[bytes.length - back]!;
    if (byte < 0x80) return bytes.length;
    if (byte >= 0xc0) {
      const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return size > back ? bytes.length - back : bytes.length;
    }
  }
  return bytes.length;
}

const concat = (a: Bytes, b: Bytes): Bytes => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

const countLines = (bytes: Bytes): number => {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
};

const hex = (byte: number) => `0x${byte.toString(16).toUpperCase().padStart(2, "0")}`;

/** Why a UTF-8 check failed at `bytes[at]` (offset `offset` of the input), with the way out. */
function notUtf8(bytes: Bytes, at: number, offset: number, atEnd: boolean): string {
  const first = bytes[at];
  const utf16 = offset === 0 && ((first === 0xff && bytes[1] === 0xfe) ||
    (first === 0xfe && bytes[1] === 0xff));
  if (utf16) {
    const label = first === 0xff ? "utf-16le" : "utf-16be";
    return `Cannot read input as UTF-8: it starts with a ${label.toUpperCase()} byte order mark; ` +
      `pass --encoding ${label}`;
  }
  const what = atEnd
    ? `the input ends inside a character (from offset ${offset})`
    : `byte ${hex(first!)} at offset ${offset} is not UTF-8`;
  return `Cannot read input as UTF-8: ${what}; pass --encoding with the file's encoding ` +
    `(latin1, windows-1252, utf-16le...)`;
}

/** One stage of decoding: each chunk in, UTF-8 out; throws an InputError on bad bytes. */
interface Step {
  /** The UTF-8 for `chunk` (may be empty: a character cut short waits for the next chunk). */
  chunk(bytes: Bytes): Bytes;
  /** What is left at the end of the input. */
  end(): Bytes;
}

/** Passes UTF-8 through unchanged (a leading byte order mark dropped), or fails where it is not. */
function checkUtf8(file: string): Step {
  let carry: Bytes = new Uint8Array(0); // the start of a character cut by the chunk's end
  let offset = 0; // of `carry`'s first byte in the input
  let lines = 1; // the line `carry` is on
  let first = true;
  const fail = (bytes: Bytes, at: number, atEnd = false) => {
    const line = lines + countLines(bytes.subarray(0, at));
    return new InputError(notUtf8(bytes, at, offset + at, atEnd), { file, line });
  };
  return {
    chunk(chunk) {
      let bytes = carry.length === 0 ? chunk : concat(carry, chunk);
      if (first && bomCutShort(bytes)) {
        carry = bytes;
        return new Uint8Array(0);
      }
      if (first && UTF8_BOM.every((b, i) => bytes[i] === b)) {
        bytes = bytes.subarray(3);
        offset += 3;
      }
      first = false;
      const end = completeUpTo(bytes);
      const whole = bytes.subarray(0, end);
      if (!isUtf8(whole)) throw fail(bytes, invalidUtf8At(whole));
      carry = bytes.slice(end);
      offset += end;
      lines += countLines(whole);
      return whole;
    },
    end() {
      // A character cut short by the end of the input, or a lone part of a byte order mark.
      const at = invalidUtf8At(carry);
      if (at >= 0) throw fail(carry, at, at === completeUpTo(carry));
      return carry;
    },
  };
}

/** Decodes another encoding, fails on bytes it does not allow, and writes UTF-8. */
function toUtf8(file: string, decoder: TextDecoder): Step {
  const encoder = new TextEncoder();
  let offset = 0;
  let lines = 1;
  const decode = (chunk: Bytes | undefined) => {
    let text: string;
    try {
      text = chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch (err) {
      const message = `Cannot read input as ${decoder.encoding}: bytes it does not allow ` +
        `at or after offset ${offset}; pass --encoding with the file's encoding`;
      throw new InputError(message, { file, line: lines }, { cause: err });
    }
    offset += chunk?.length ?? 0;
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
    return encoder.encode(text);
  };
  return { chunk: decode, end: () => decode(undefined) };
}

/**
 * Returns a strict decoder for an encoding label, as the WHATWG Encoding
 * standard reads labels (`latin1` is `windows-1252`).
 *
 * @param encoding The label.
 * @param file The input's path, for the error.
 * @returns The decoder (`fatal`: bytes the encoding does not allow throw).
 * @throws {InputError} For a label `TextDecoder` does not know.
 *
 * @example Usage
 * ```ts
 * import { textDecoder } from "./decode_input.ts";
 * import assert from "node:assert/strict";
 * assert.equal(textDecoder("latin1", "q.csv").encoding, "windows-1252");
 * assert.throws(() => textDecoder("klingon", "q.csv"), { name: "InputError" });
 * ```
 */
export function textDecoder(encoding: string, file: string): TextDecoder {
  try {
    return new TextDecoder(encoding, { fatal: true });
  } catch (err) {
    throw new InputError(
      `Cannot read input as '${encoding}': not an encoding TextDecoder knows ` +
        `(utf-8, latin1, windows-1252, utf-16le, shift_jis...)`,
      { file },
      { cause: err },
    );
  }
}

/**
 * Returns the input as UTF-8 bytes: checked as it streams when it is UTF-8
 * already (the bytes pass unchanged, a leading byte order mark dropped),
 * decoded from `options.encoding` otherwise. Bytes the encoding does not
 * allow make the stream fail with an {@linkcode InputError} naming the file,
 * the line and the byte's offset.
 *
 * @param input The input's bytes.
 * @param file The input's path, for errors.
 * @param options The encoding.
 * @returns The same text as UTF-8, cut on character boundaries.
 * @throws {InputError} At once, for an encoding `TextDecoder` does not know.
 *
 * @example Usage
 * ```ts
 * import { decodeInput } from "./decode_input.ts";
 * import assert from "node:assert/strict";
 * const latin1 = ReadableStream.from([new Uint8Array([0x71, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a])]);
 * const text = await new Response(decodeInput(latin1, "q.csv", { encoding: "latin1" })).text();
 * assert.equal(text, "q\ncafé\n");
 * const utf8 = ReadableStream.from([new Uint8Array([0x71, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a])]);
 * await assert.rejects(new Response(decodeInput(utf8, "q.csv")).text(), {
 *   message: "q.csv:2: Cannot read input as UTF-8: byte 0xE9 at offset 5 is not UTF-8; " +
 *     "pass --encoding with the file's encoding (latin1, windows-1252, utf-16le...)",
 * });
 * ```
 */
export function decodeInput(
  input: ReadableStream<Bytes>,
  file: string,
  options: DecodeInputOptions = {},
): ReadableStream<Bytes> {
  const { encoding = "utf-8" } = options;
  const decoder = textDecoder(encoding, file);
  const step = decoder.encoding === "utf-8" ? checkUtf8(file) : toUtf8(file, decoder);
  const reader = input.getReader();
  // Pulled, not piped: nothing is read ahead, and a consumer's cancel reaches the input at once.
  return new ReadableStream<Bytes>({
    async pull(controller) {
      try {
        for (;;) {
          const read = await reader.read();
          const bytes = read.done ? step.end() : step.chunk(read.value);
          if (bytes.length > 0) controller.enqueue(bytes);
          if (read.done) controller.close();
          if (read.done || bytes.length > 0) return;
        }
      } catch (err) {
        await reader.cancel(err).catch(() => {}); // closes the file
        throw err;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}
