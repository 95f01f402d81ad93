// Reads the protobuf bodies real clients (kubectl's typed clients, client-go) send with
// Content-Type application/vnd.kubernetes.protobuf, and turns them into the same JSON object the
// JSON encoding of that object would be, so the rest of the API server sees one format.
//
// A body is the magic "k8s\0" followed by a runtime.Unknown {typeMeta{apiVersion, kind}, raw,
// contentEncoding, contentType} whose raw is the object's own message. Field numbers come from
// upstream's generated.proto (tables in core-v1-messages.ts and meta-v1-messages.ts).
import { appsV1Messages, metaV1Messages } from "./meta-v1-messages.js";
import { coreV1Messages } from "./core-v1-messages.js";
import { decodeMessage, type DecodeContext } from "./decode-message.js";
import { ProtobufDecodeError } from "./errors.js";
import { buildMessageSpecs, type MessageSpec } from "./schema.js";
import { WireReader, wireTypeLengthDelimited } from "./wire-reader.js";

export { ProtobufDecodeError } from "./errors.js";
export type { JsonObject, JsonValue } from "./json-value.js";

export const protobufContentType = "application/vnd.kubernetes.protobuf";

/** "k8s" and a zero byte: what k8s.io/apimachinery's protobuf serializer writes first. */
const magic = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** The kinds this decoder knows, by apiVersion and kind, and the message each one's raw holds. */
const rootMessages: ReadonlyMap<string, string> = new Map([
  ["v1/ConfigMap", "ConfigMap"],
  ["v1/Secret", "Secret"],
  ["v1/Namespace", "Namespace"],
  ["v1/Service", "Service"],
  ["apps/v1/Deployment", "Deployment"],
]);

let cachedSpecs: ReadonlyMap<string, MessageSpec> | undefined;

function specs(): ReadonlyMap<string, MessageSpec> {
  cachedSpecs ??= buildMessageSpecs([metaV1Messages, appsV1Messages, coreV1Messages]);
  return cachedSpecs;
}

const utf8 = new TextDecoder("utf-8");

interface UnknownEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

function readTypeMeta(bytes: Uint8Array): { apiVersion: string; kind: string } {
  const reader = new WireReader(bytes);
  const typeMeta = { apiVersion: "", kind: "" };
  while (!reader.done()) {
    const { fieldNumber, wireType } = reader.readTag();
    if ((fieldNumber !== 1 && fieldNumber !== 2) || wireType !== wireTypeLengthDelimited) {
      throw new ProtobufDecodeError(`unknown field number ${fieldNumber} (wire type ${wireType}) in runtime.TypeMeta`);
    }
    const text = utf8.decode(reader.readLengthDelimited());
    if (fieldNumber === 1) typeMeta.apiVersion = text;
    else typeMeta.kind = text;
  }
  return typeMeta;
}

// runtime.Unknown: typeMeta = 1, raw = 2, contentEncoding = 3, contentType = 4 (all length-delimited).
function readUnknown(bytes: Uint8Array): UnknownEnvelope {
  const reader = new WireReader(bytes);
  const envelope: UnknownEnvelope = { apiVersion: "", kind: "", raw: new Uint8Array(0), contentEncoding: "", contentType: "" };
  while (!reader.done()) {
    const { fieldNumber, wireType } = reader.readTag();
    if (fieldNumber < 1 || fieldNumber > 4 || wireType !== wireTypeLengthDelimited) {
      throw new ProtobufDecodeError(`unknown field number ${fieldNumber} (wire type ${wireType}) in runtime.Unknown`);
    }
    const value = reader.readLengthDelimited();
    if (fieldNumber === 1) Object.assign(envelope, readTypeMeta(value));
    else if (fieldNumber === 2) envelope.raw = value;
    else if (fieldNumber === 3) envelope.contentEncoding = utf8.decode(value);
    else envelope.contentType = utf8.decode(value);
  }
  return envelope;
}

function decodeEnvelope(body: Uint8Array): { apiVersion: string; kind: string; object: Record<string, unknown> } {
  if (body.length < magic.length || magic.some((byte, index) => body[index] !== byte)) {
    throw new ProtobufDecodeError('body does not start with the Kubernetes protobuf magic "k8s\\0"');
  }
  const envelope = readUnknown(body.subarray(magic.length));
  if (envelope.contentEncoding !== "") {
    throw new ProtobufDecodeError(`contentEncoding "${envelope.contentEncoding}" is not supported`);
  }
  if (envelope.contentType !== "" && envelope.contentType !== protobufContentType) {
    throw new ProtobufDecodeError(`contentType "${envelope.contentType}" is not ${protobufContentType}`);
  }
  const { apiVersion, kind } = envelope;
  const rootMessage = rootMessages.get(`${apiVersion}/${kind}`);
  if (rootMessage === undefined) {
    throw new ProtobufDecodeError(`kind "${kind}" of apiVersion "${apiVersion}" is not supported in protobuf`);
  }
  const context: DecodeContext = { specs: specs() };
  const fields = decodeMessage(context, rootMessage, envelope.raw, "");
  return { apiVersion, kind, object: { apiVersion, kind, ...fields } };
}

/**
 * Decodes a Kubernetes protobuf body into the JSON object the JSON encoding of the same object
 * would be (apiVersion, kind, metadata, spec, ...; omitempty fields left out as encoding/json
 * does). Throws ProtobufDecodeError, and nothing else, for any body it cannot decode exactly:
 * bad framing, an unsupported kind, a field number its tables do not know, a wrong wire type.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
} {
  try {
    return decodeEnvelope(body);
  } catch (error) {
    if (error instanceof ProtobufDecodeError) throw error;
    // Not expected (every path above checks its input), but the contract is one error type.
    throw new ProtobufDecodeError(`undecodable body: ${error instanceof Error ? error.message : String(error)}`);
  }
}
