// Shared shapes of the patch engines: JSON values, the OpenAPI v3 schema the engines read
// Kubernetes' patch extensions from, and the error that carries the HTTP status upstream answers.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = { [key: string]: JsonValue };

/** An OpenAPI v3 schema node with Kubernetes' extensions. `$ref` is "#/components/schemas/<name>". */
export interface SchemaNode {
  $ref?: string;
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  default?: unknown;
  "x-kubernetes-patch-merge-key"?: string;
  /** "merge", "retainKeys", "merge,retainKeys", "replace". */
  "x-kubernetes-patch-strategy"?: string;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  [extension: string]: unknown;
}

/** The schema of one kind: `root` describes the object, `$ref`s resolve in `components`. */
export interface PatchSchema {
  root: SchemaNode;
  components: Record<string, SchemaNode>;
}

/** A patch that cannot be applied; `status` is the HTTP status Kubernetes answers with. */
export class PatchError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 409 | 422,
  ) {
    super(message);
    this.name = "PatchError";
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Structural equality of two JSON values (object key order does not matter). */
export function jsonEqual(left: JsonValue | undefined, right: JsonValue | undefined): boolean {
  if (left === right) return true;
  if (Array.isArray(left)) {
    if (!Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, index) => jsonEqual(item, right[index]));
  }
  if (isJsonObject(left)) {
    if (!isJsonObject(right)) return false;
    const leftKeys = Object.keys(left);
    if (leftKeys.length !== Object.keys(right).length) return false;
    return leftKeys.every((key) => key in right && jsonEqual(left[key], right[key]));
  }
  return false;
}

export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/** Sets an own member, also for the key "__proto__" (plain assignment would change the prototype). */
export function setMember(target: JsonObject, key: string, value: JsonValue): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  else target[key] = value;
}

/** An own member or undefined (never an inherited one such as "__proto__" or "constructor"). */
export function ownMember(target: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(target, key) ? target[key] : undefined;
}
