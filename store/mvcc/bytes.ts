// Byte helpers: keys compare as raw bytes everywhere (Go's bytes.Compare, SQLite's BLOB memcmp).
import { Buffer } from "node:buffer";

/** A Buffer view of the same memory (better-sqlite3 binds Buffers as BLOBs). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(asBuffer(a), asBuffer(b));
}

export const emptyBytes: Uint8Array = new Uint8Array(0);

/** Which keys a (key, rangeEnd) pair selects, with etcd's conventions. */
export type KeySpan =
  | { kind: "single"; key: Buffer }
  | { kind: "from"; key: Buffer }
  | { kind: "between"; key: Buffer; end: Buffer };

/** rangeEnd absent or empty: one key; one zero byte: every key >= key; else [key, rangeEnd). */
export function keySpan(key: Uint8Array, rangeEnd: Uint8Array | undefined): KeySpan {
  if (rangeEnd === undefined || rangeEnd.length === 0) return { kind: "single", key: asBuffer(key) };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { kind: "from", key: asBuffer(key) };
  return { kind: "between", key: asBuffer(key), end: asBuffer(rangeEnd) };
}

/** The rangeEnd that selects every key with this prefix (clientv3.GetPrefixRangeEnd). */
export function prefixRangeEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const byte = prefix[i];
    if (byte !== undefined && byte < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = byte + 1;
      return end;
    }
  }
  return new Uint8Array([0]); // all 0xff (or empty): no upper bound
}
