/**
 * JSON that carries byte arrays: each Uint8Array becomes a reference into a list of blobs sent
 * beside the JSON text, so bytes cross the wire as bytes rather than as base64 or arrays.
 *
 * Layout of an encoded value: [u32 json length][json][u32 blob count]([u32 length][bytes])*.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const blobTag = "$blob";

export function encodeBinaryJson(value: unknown): Buffer {
  const blobs: Uint8Array[] = [];
  // One walk that swaps byte arrays for references, then a plain stringify: much cheaper than
  // a JSON.stringify replacer, which V8 calls for every key.
  const json = JSON.stringify(extractBlobs(value, blobs));
  const jsonBytes = encoder.encode(json);
  let size = 4 + jsonBytes.byteLength + 4;
  for (const blob of blobs) size += 4 + blob.byteLength;
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt32BE(jsonBytes.byteLength, 0);
  out.set(jsonBytes, at);
  at += jsonBytes.byteLength;
  at = out.writeUInt32BE(blobs.length, at);
  for (const blob of blobs) {
    at = out.writeUInt32BE(blob.byteLength, at);
    out.set(blob, at);
    at += blob.byteLength;
  }
  return out;
}

function extractBlobs(value: unknown, blobs: Uint8Array[]): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Uint8Array) {
    blobs.push(value);
    return { [blobTag]: blobs.length - 1 };
  }
  if (Array.isArray(value)) return value.map((v: unknown) => extractBlobs(v, blobs));
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = extractBlobs(v, blobs);
  }
  return out;
}

export function decodeBinaryJson(data: Uint8Array): unknown {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  const jsonLength = view.readUInt32BE(at);
  at += 4;
  const json = decoder.decode(view.subarray(at, at + jsonLength));
  at += jsonLength;
  const count = view.readUInt32BE(at);
  at += 4;
  const blobs: Uint8Array[] = [];
  for (let i = 0; i < count; i += 1) {
    const length = view.readUInt32BE(at);
    at += 4;
    if (at + length > view.byteLength) throw new RangeError("blob beyond the end of the frame");
    // Copy, so a decoded value never pins a whole network buffer.
    blobs.push(new Uint8Array(view.subarray(at, at + length)));
    at += length;
  }
  // A plain parse and one walk to put the blobs back: much cheaper than a JSON.parse reviver,
  // which V8 calls for every key.
  return restoreBlobs(JSON.parse(json) as unknown, blobs);
}

function restoreBlobs(value: unknown, blobs: readonly Uint8Array[]): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) value[i] = restoreBlobs(value[i], blobs);
    return value;
  }
  const record = value as Record<string, unknown>;
  const index = record[blobTag];
  if (index !== undefined) {
    const blob = typeof index === "number" ? blobs[index] : undefined;
    if (blob === undefined) throw new RangeError(`missing blob ${String(index)}`);
    return blob;
  }
  for (const key in record) record[key] = restoreBlobs(record[key], blobs);
  return record;
}
