// Protocol buffers wire format, read-only: varints, tags and length-delimited slices. Every
// malformed input (truncated varint, length past the end, overlong varint) becomes a
// ProtobufDecodeError, never a RangeError or an out-of-bounds read.
import { ProtobufDecodeError } from "./errors.js";

export const wireTypeVarint = 0;
export const wireTypeFixed64 = 1;
export const wireTypeLengthDelimited = 2;
export const wireTypeFixed32 = 5;

// A varint carries at most 64 bits, that is 10 bytes of 7 bits.
const varintBytesMax = 10;

export interface FieldTag {
  fieldNumber: number;
  wireType: number;
}

export class WireReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  done(): boolean {
    return this.offset >= this.bytes.length;
  }

  /** A varint as an unsigned 64-bit value (bits past 64 are an error, as in Go's decoder). */
  readVarint(): bigint {
    let value = 0n;
    for (let index = 0; index < varintBytesMax; index += 1) {
      const byte = this.bytes[this.offset];
      if (byte === undefined) throw new ProtobufDecodeError("truncated varint");
      this.offset += 1;
      value |= BigInt(byte & 0x7f) << BigInt(7 * index);
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, value);
    }
    throw new ProtobufDecodeError("varint longer than 10 bytes");
  }

  /** A varint used as a size or a tag: it must fit a safe JavaScript integer. */
  readSize(): number {
    // Fast path without BigInt: tags and lengths are almost always under 2^28 (four bytes).
    let value = 0;
    for (let index = 0; index < 4; index += 1) {
      const byte = this.bytes[this.offset + index];
      if (byte === undefined) break;
      value += (byte & 0x7f) * 2 ** (7 * index);
      if ((byte & 0x80) === 0) {
        this.offset += index + 1;
        return value;
      }
    }
    return this.readLargeSize();
  }

  private readLargeSize(): number {
    const value = this.readVarint();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtobufDecodeError(`size ${value} is too large`);
    return Number(value);
  }

  readTag(): FieldTag {
    const tag = this.readSize();
    const fieldNumber = Math.floor(tag / 8);
    if (fieldNumber === 0) throw new ProtobufDecodeError("field number 0 is invalid");
    return { fieldNumber, wireType: tag % 8 };
  }

  readLengthDelimited(): Uint8Array {
    const length = this.readSize();
    const end = this.offset + length;
    if (end > this.bytes.length) {
      throw new ProtobufDecodeError(`length ${length} runs past the end of the message`);
    }
    const slice = this.bytes.subarray(this.offset, end);
    this.offset = end;
    return slice;
  }
}

export function int32FromVarint(value: bigint): number {
  // Go truncates a varint to 32 bits for int32 fields; negative values arrive sign-extended to 64.
  return Number(BigInt.asIntN(32, value));
}

export function int64FromVarint(value: bigint): number {
  const signed = BigInt.asIntN(64, value);
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    // JSON numbers here are JavaScript numbers: refuse rather than silently round.
    throw new ProtobufDecodeError(`int64 value ${signed} is outside the range a JSON number keeps exactly`);
  }
  return Number(signed);
}
