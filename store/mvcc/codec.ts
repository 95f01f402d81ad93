// A small binary codec for snapshots: numbers as float64 (exact up to 2^53, which bounds
// revisions, indexes and lease IDs anyway), byte strings as uint32 length + bytes.
import { Buffer } from "node:buffer";

export class ByteWriter {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private length = 0;

  number(value: number): void {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
  }

  bytes(value: Uint8Array): void {
    this.reserve(4 + value.byteLength);
    this.buffer.writeUInt32LE(value.byteLength, this.length);
    this.buffer.set(value, this.length + 4);
    this.length += 4 + value.byteLength;
  }

  /** The bytes written so far (a copy, so the writer's spare capacity is not kept alive). */
  finish(): Uint8Array {
    return new Uint8Array(this.buffer.subarray(0, this.length));
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + bytes) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

export class ByteReader {
  private readonly buffer: Buffer;
  private offset = 0;

  constructor(data: Uint8Array) {
    this.buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  number(): number {
    this.need(8);
    const value = this.buffer.readDoubleLE(this.offset);
    this.offset += 8;
    return value;
  }

  /** A count or index: a non-negative integer. */
  count(): number {
    const value = this.number();
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`mvcc snapshot: bad count ${value} at byte ${this.offset - 8}`);
    return value;
  }

  /** A view into the snapshot (no copy); SQLite copies it when binding. */
  bytes(): Buffer {
    this.need(4);
    const length = this.buffer.readUInt32LE(this.offset);
    this.offset += 4;
    this.need(length);
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  end(): void {
    if (this.offset !== this.buffer.length) throw new Error(`mvcc snapshot: ${this.buffer.length - this.offset} trailing bytes`);
  }

  private need(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) throw new Error(`mvcc snapshot: truncated at byte ${this.offset}`);
  }
}
