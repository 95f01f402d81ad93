// Keys and values travel as base64 in etcd's JSON gateway; callers hand us bytes or UTF-8 text.
import { Buffer } from "node:buffer";

/** A key or value as a caller may give it: raw bytes, or text encoded as UTF-8. */
export type BytesInput = Uint8Array | string;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** The bytes of a key or value; a string is encoded as UTF-8. */
export function toBytes(input: BytesInput): Uint8Array {
  return typeof input === "string" ? utf8.encode(input) : input;
}

/** UTF-8 text of bytes (invalid sequences become U+FFFD). */
export function bytesToText(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

export function encodeBase64(input: BytesInput): string {
  const bytes = toBytes(input);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Decodes standard or URL-safe base64, as Go's gateway emits the former. Returns a plain Uint8Array. */
export function decodeBase64(text: string): Uint8Array {
  // Copy out of Buffer's shared pool so callers own (and can compare) a plain Uint8Array.
  return new Uint8Array(Buffer.from(text, "base64"));
}

/**
 * The range end that selects every key starting with `prefix` (etcd clientv3's GetPrefixRangeEnd):
 * drop trailing 0xff bytes, then increment the last byte. A prefix of only 0xff bytes (or empty)
 * has no upper bound, so the answer is "\0", which etcd reads as "every key >= key".
 */
export function prefixRangeEnd(prefix: BytesInput): Uint8Array {
  const bytes = toBytes(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    const byte = bytes[i];
    if (byte !== undefined && byte < 0xff) {
      const end = bytes.slice(0, i + 1);
      end[i] = byte + 1;
      return end;
    }
  }
  return new Uint8Array([0]);
}

/** "\0": as a range end it means "every key from `key` on" (etcd's WithFromKey). */
export const fromKeyRangeEnd: Uint8Array = new Uint8Array([0]);
