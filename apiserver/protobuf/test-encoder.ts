// A minimal protobuf writer for tests: field numbers are written by hand from upstream's
// generated.proto, independently of the decoder's tables, so a wrong table entry shows up.
type Bytes = readonly number[];

export function varint(value: bigint | number): number[] {
  let rest = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  return out;
}

export function varintField(fieldNumber: number, value: bigint | number | boolean): number[] {
  const number = typeof value === "boolean" ? (value ? 1 : 0) : value;
  return [...varint(fieldNumber * 8), ...varint(number)];
}

export function bytesField(fieldNumber: number, bytes: Bytes | Uint8Array): number[] {
  return [...varint(fieldNumber * 8 + 2), ...varint(bytes.length), ...bytes];
}

export function stringField(fieldNumber: number, text: string): number[] {
  return bytesField(fieldNumber, [...Buffer.from(text, "utf8")]);
}

export function messageField(fieldNumber: number, ...parts: Bytes[]): number[] {
  return bytesField(fieldNumber, parts.flat());
}

export function mapEntryField(fieldNumber: number, key: string, value: Bytes): number[] {
  return messageField(fieldNumber, stringField(1, key), bytesField(2, value));
}

export function packedField(fieldNumber: number, values: readonly number[]): number[] {
  return bytesField(fieldNumber, values.flatMap((value) => varint(value)));
}

/** The "k8s\0" magic and a runtime.Unknown{typeMeta{apiVersion=1, kind=2}=1, raw=2}. */
export function kubernetesBody(apiVersion: string, kind: string, raw: Bytes | Uint8Array, extra: Bytes = []): Uint8Array {
  const typeMeta = messageField(1, stringField(1, apiVersion), stringField(2, kind));
  const head = Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...typeMeta, ...varint(2 * 8 + 2), ...varint(raw.length)]);
  return Buffer.concat([head, Uint8Array.from(raw), Uint8Array.from(extra)]);
}
