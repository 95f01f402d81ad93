// Request bodies: JSON or YAML text to plain values, refusing what would hurt (bombs, depth,
// size) with a 4xx before anything deeper sees it.
import { parseDocument } from "yaml";
import { ApiError, badRequest } from "./errors.js";
import { decodeKubernetesProtobuf, ProtobufDecodeError, protobufContentType } from "./protobuf/index.js";

/** Kubernetes refuses request bodies over 3 MiB (and the store values over 1.5 MiB). */
export const requestBytesMax = 3 * 1024 * 1024;
/** Nesting deeper than this is not a Kubernetes object; refusing it keeps every recursive walk safe. */
export const bodyDepthMax = 100;
/** YAML aliases expand; a "billion laughs" document is refused long before it grows. */
const yamlAliasCountMax = 100;

export type BodyFormat = "json" | "yaml" | "protobuf";

export type PatchType = "merge" | "json" | "strategic" | "apply";

const patchTypes: Record<string, PatchType> = {
  "application/merge-patch+json": "merge",
  "application/json-patch+json": "json",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
  "application/apply-patch+cbor": "apply",
};

/** The media type without parameters, lower-cased. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = patchTypes[mediaType(contentType)];
  if (type === undefined || mediaType(contentType) === "application/apply-patch+cbor") {
    throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
  }
  return type;
}

/** Format of a create/update body. */
export function bodyFormatOf(contentType: string | undefined): BodyFormat {
  const type = mediaType(contentType);
  if (type === "" || type === "application/json" || type === "*/*") return "json";
  if (type === "application/yaml" || type === "application/x-yaml" || type === "text/yaml") return "yaml";
  if (type === protobufContentType) return "protobuf";
  throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
}

/** A create/update body in any accepted format: protobuf arrives as bytes, the rest as text. */
export function parseObjectBody(body: unknown, contentType: string | undefined): unknown {
  const format = bodyFormatOf(contentType);
  if (format !== "protobuf") return parseBody(typeof body === "string" ? body : Buffer.isBuffer(body) ? body.toString("utf8") : "", format);
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : "", "utf8");
  if (bytes.length > requestBytesMax) throw new ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
  try {
    return decodeKubernetesProtobuf(bytes).object;
  } catch (error) {
    if (error instanceof ProtobufDecodeError) throw badRequest(`the protobuf body could not be decoded: ${error.message}`);
    throw error;
  }
}

export function parseBody(text: string, format: "json" | "yaml" | "apply"): unknown {
  if (Buffer.byteLength(text) > requestBytesMax) throw new ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
  if (text.trim() === "") throw badRequest("the request body is empty");
  let value: unknown;
  // Apply bodies are YAML, which includes JSON (kubectl sends JSON).
  if (format === "json" || (format === "apply" && /^\s*[{[]/.test(text))) {
    checkJsonDepth(text);
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
    }
  } else {
    checkYamlDepth(text);
    const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    if (document.errors.length > 0) throw badRequest(`the request body is not valid YAML: ${document.errors[0]?.message ?? "parse error"}`);
    try {
      value = document.toJS({ maxAliasCount: yamlAliasCountMax });
    } catch (error) {
      throw badRequest(`the request body is not valid YAML: ${(error as Error).message}`);
    }
    if (depthOf(value) > bodyDepthMax) throw badRequest(`the request body nests deeper than ${bodyDepthMax} levels`);
  }
  return value;
}

/** Counts bracket nesting outside strings, so that JSON.parse and every later walk stay shallow. */
function checkJsonDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped char
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > bodyDepthMax) throw badRequest(`the request body nests deeper than ${bodyDepthMax} levels`);
    } else if (c === 125 || c === 93) depth--;
  }
}

/** Leading whitespace of one YAML line past which a body is refused (block nesting). */
const yamlIndentMax = 1000;

/**
 * The YAML parser recurses on nesting and a deep enough document overflows its stack (and,
 * repeated, leaves V8 unable to allocate): flow brackets and block indentation are counted
 * first. Brackets inside quoted scalars count too — a Kubernetes object never nests 100 deep,
 * so refusing such text costs nothing real.
 */
function checkYamlDepth(text: string): void {
  let flow = 0;
  let lineStart = true;
  let indent = 0;
  let dashes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      indent = 0;
      dashes = 0;
      continue;
    }
    if (lineStart) {
      if (c === 32 || c === 9) {
        if (++indent > yamlIndentMax) throw badRequest(`the request body nests deeper than ${bodyDepthMax} levels`);
        continue;
      }
      if (c === 45 && (text.charCodeAt(i + 1) === 32 || text.charCodeAt(i + 1) === 10)) {
        if (++dashes > bodyDepthMax) throw badRequest(`the request body nests deeper than ${bodyDepthMax} levels`);
        continue;
      }
      lineStart = false;
    }
    if (c === 91 || c === 123) {
      if (++flow > bodyDepthMax) throw badRequest(`the request body nests deeper than ${bodyDepthMax} levels`);
    } else if (c === 93 || c === 125) flow = Math.max(0, flow - 1);
  }
}

function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== "object" || item === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > bodyDepthMax) return deepest;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
