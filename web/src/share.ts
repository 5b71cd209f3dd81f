/**
 * The share-link codec: code <-> URL fragment. Pure functions of strings (plus the platform's
 * CompressionStream). Every format is versioned by its prefix and kept decodable forever:
 *   "v1." + base64url(deflate-raw(UTF-8 code))   -- written today
 *   "v0." + base64url(UTF-8 code)                 -- uncompressed, read only
 */

export const CURRENT_VERSION = "v1";
/** Links longer than this may be cut by chat apps and mail clients. */
export const LONG_LINK = 2000;
/** Code larger than this (UTF-8) is not shared by link, and decoded code larger is refused
 * (a small link can inflate to a huge text). */
export const MAX_CODE_BYTES = 2_000_000;

/** The link's code inflates past MAX_CODE_BYTES. */
class TooLarge extends Error {}

export type Decoded =
  | { kind: "empty" }
  | { kind: "code"; code: string; version: string }
  | { kind: "error"; message: string };

/** The fragment (without "#") that carries `code`. */
export async function encodeCode(code: string): Promise<string> {
  const bytes = new TextEncoder().encode(code);
  const packed = await transform(bytes, new CompressionStream("deflate-raw"));
  return `${CURRENT_VERSION}.${toBase64Url(packed)}`;
}

/** The code carried by a URL fragment (with or without "#"); never throws. */
export async function decodeFragment(fragment: string): Promise<Decoded> {
  const text = fragment.startsWith("#") ? fragment.slice(1) : fragment;
  if (text === "") return { kind: "empty" };
  const match = /^(v\d+)\.(.*)$/s.exec(text);
  if (match === null) {
    return {
      kind: "error",
      message: "This link does not contain playground code (unrecognised format).",
    };
  }
  const version = match[1] ?? "";
  const payload = match[2] ?? "";
  try {
    const bytes = fromBase64Url(payload);
    let raw: Uint8Array<ArrayBuffer>;
    if (version === "v1") {
      raw = await transform(bytes, new DecompressionStream("deflate-raw"), MAX_CODE_BYTES);
    } else if (version === "v0") {
      raw = bytes;
    } else {
      return {
        kind: "error",
        message:
          `This link uses format ${version}, which this version of the playground does not ` +
          "know. Try reloading the page.",
      };
    }
    if (raw.length > MAX_CODE_BYTES) throw new TooLarge();
    const code = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    return { kind: "code", code, version };
  } catch (e) {
    if (e instanceof TooLarge) {
      return {
        kind: "error",
        message:
          `This link's code is larger than ${MAX_CODE_BYTES / 1_000_000} MB, the most a link ` +
          "may carry, so it was not opened.",
      };
    }
    return {
      kind: "error",
      message: "This link is damaged (perhaps cut short) and its code could not be read.",
    };
  }
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error("not base64url");
  const padded =
    text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function transform(
  input: Uint8Array<ArrayBuffer>,
  stream: {
    writable: WritableStream<BufferSource>;
    readable: ReadableStream<Uint8Array<ArrayBuffer>>;
  },
  limit = Infinity,
): Promise<Uint8Array<ArrayBuffer>> {
  const writer = stream.writable.getWriter();
  // Errors surface through the reader below; don't leave these promises unhandled.
  writer.write(input).catch(() => {});
  writer.close().catch(() => {});
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  const reader = stream.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new TooLarge();
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
