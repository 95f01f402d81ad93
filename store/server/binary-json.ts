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
  const json = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    // Look at the holder's own value: a Buffer has already been through its toJSON here.
    const original = key === "" ? v : this[key];
    if (original instanceof Uint8Array) {
      blobs.push(original);
      return { [blobTag]: blobs.length - 1 };
    }
    if (v instanceof Uint8Array) {
      blobs.push(v);
      return { [blobTag]: blobs.length - 1 };
    }
    return v;
  });
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
  return JSON.parse(json, (_key, v: unknown) => {
    if (typeof v === "object" && v !== null && blobTag in v) {
      const index = (v as Record<string, unknown>)[blobTag];
      const blob = typeof index === "number" ? blobs[index] : undefined;
      if (blob === undefined) throw new RangeError(`missing blob ${String(index)}`);
      return blob;
    }
    return v;
  }) as unknown;
}
