// RFC 6902 JSON patch as Kubernetes 1.32 applies it (gopkg.in/evanphx/json-patch.v4): the same
// operations, error texts and quirks (negative array indexes count from the end; "replace" of a
// missing object member adds it; a null "value" tests equal to a missing member). A patch that
// does not decode is a 400, one that does not apply a 422, as the apiserver answers.
import { PatchError, cloneJson, isJsonObject, jsonEqual, setMember, type JsonObject, type JsonValue } from "./types.js";

type Container = JsonObject | JsonValue[];
interface Operation {
  op: unknown;
  path?: unknown;
  from?: unknown;
  value?: JsonValue;
  hasValue: boolean;
}

/** Kubernetes' apiserver limit on operations in one JSON patch (maxJSONPatchOperations). */
export const jsonPatchOperationsMax = 10_000;

export function applyJsonPatch(target: JsonValue, operations: unknown): JsonValue {
  const decoded = decodeOperations(operations);
  let document: JsonValue = cloneJson(target);
  if (!Array.isArray(document) && !isJsonObject(document)) throw new PatchError("invalid JSON document", 400);
  for (const operation of decoded) document = applyOperation(document, operation);
  return document;
}

function decodeOperations(operations: unknown): Operation[] {
  if (!Array.isArray(operations)) {
    throw new PatchError(`json: cannot unmarshal ${goJsonKind(operations)} into Go value of type jsonpatch.Patch`, 400);
  }
  if (operations.length > jsonPatchOperationsMax) {
    throw new PatchError(`The allowed maximum operations in a JSON patch is ${jsonPatchOperationsMax}, got ${operations.length}`, 400);
  }
  return operations.map((operation: unknown) => {
    if (operation === null) return { op: undefined, hasValue: false };
    if (!isJsonObject(operation)) {
      throw new PatchError(`json: cannot unmarshal ${goJsonKind(operation)} into Go value of type jsonpatch.Operation`, 400);
    }
    return { op: operation.op, path: operation.path, from: operation.from, value: operation.value, hasValue: "value" in operation };
  });
}

function goJsonKind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value === "object" ? "object" : typeof value;
}

function fail(message: string): never {
  throw new PatchError(message, 422);
}

/** Applies one operation in place; returns the document, which only a root replace swaps. */
function applyOperation(document: Container, operation: Operation): Container {
  const kind = typeof operation.op === "string" ? operation.op : "unknown";
  if (kind === "replace" && operation.path === "") return replaceDocument(operation);
  const handlers: Record<string, (document: Container, operation: Operation) => void> = {
    add: addOperation,
    remove: removeOperation,
    replace: replaceOperation,
    move: moveOperation,
    test: testOperation,
    copy: copyOperation,
  };
  const handler = Object.hasOwn(handlers, kind) ? handlers[kind] : undefined;
  if (handler === undefined) fail(`Unexpected kind: ${kind}`);
  handler(document, operation);
  return document;
}

/** The "path" (or "from") member, or the error evanphx words for its absence. */
function pointer(operation: Operation, member: "path" | "from", context: string): string {
  const value = operation[member];
  if (typeof value === "string") return value;
  if (value === undefined || value === null) {
    const missing = member === "path" ? "operation missing path field" : "operation, missing from field";
    fail(`${context}: ${missing}: missing value`);
  }
  return fail(`${context}: json: cannot unmarshal ${goJsonKind(value)} into Go value of type string`);
}

/** The container holding the pointer's last token, and that token; undefined when the path is missing. */
function findContainer(document: Container, path: string): { container: Container; key: string } | undefined {
  const parts = path.split("/");
  if (parts.length < 2) return undefined;
  let current: Container = document;
  for (const part of parts.slice(1, -1)) {
    const next = getMember(current, decodeToken(part));
    if (next === undefined || next === null || typeof next !== "object") return undefined;
    current = next;
  }
  return { container: current, key: decodeToken(parts[parts.length - 1] ?? "") };
}

function decodeToken(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** Go's strconv.Atoi: an optional sign and decimal digits, nothing else. */
function parseIndex(key: string): number | undefined {
  return /^[+-]?\d+$/.test(key) ? Number.parseInt(key, 10) : undefined;
}

function atoiError(key: string): string {
  return `strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`;
}

function invalidIndex(index: number): string {
  return `Unable to access invalid index: ${index}: invalid index referenced`;
}

/** Reads a member; for arrays throws evanphx's index errors, for objects yields undefined when absent. */
function readMember(container: Container, key: string): JsonValue | undefined {
  if (!Array.isArray(container)) return Object.hasOwn(container, key) ? container[key] : undefined;
  const index = resolveIndex(container, key, container.length);
  return container[index];
}

function getMember(container: Container, key: string): JsonValue | undefined {
  try {
    return readMember(container, key);
  } catch {
    return undefined;
  }
}

/** An array index with negative values counted from the end; errors as evanphx's. */
function resolveIndex(array: JsonValue[], key: string, length: number): number {
  const index = parseIndex(key);
  if (index === undefined) throw new IndexError(atoiError(key));
  if (index < -length || index >= length) throw new IndexError(invalidIndex(index));
  return index < 0 ? index + length : index;
}

class IndexError extends Error {}

function withContext(context: string, action: () => void): void {
  try {
    action();
  } catch (error) {
    if (error instanceof IndexError) fail(`${context}: ${error.message}`);
    throw error;
  }
}

function addMember(container: Container, key: string, value: JsonValue): void {
  if (!Array.isArray(container)) {
    setMember(container, key, value);
    return;
  }
  if (key === "-") {
    container.push(value);
    return;
  }
  const index = parseIndex(key);
  if (index === undefined) throw new IndexError(`value was not a proper array index: '${key}': ${atoiError(key)}`);
  const size = container.length + 1;
  if (index >= size || index < -size) throw new IndexError(invalidIndex(index));
  container.splice(index < 0 ? index + size : index, 0, value);
}

function removeMember(container: Container, key: string): void {
  if (!Array.isArray(container)) {
    if (!Object.hasOwn(container, key)) throw new IndexError(`Unable to remove nonexistent key: ${key}: missing value`);
    delete container[key];
    return;
  }
  container.splice(resolveIndex(container, key, container.length), 1);
}

function operationValue(operation: Operation): JsonValue {
  return operation.hasValue && operation.value !== undefined ? cloneJson(operation.value) : null;
}

function addOperation(document: Container, operation: Operation): void {
  const path = pointer(operation, "path", "add operation failed to decode path");
  const found = findContainer(document, path);
  if (found === undefined) fail(`add operation does not apply: doc is missing path: "${path}": missing value`);
  withContext(`error in add for path: '${path}'`, () => addMember(found.container, found.key, operationValue(operation)));
}

function removeOperation(document: Container, operation: Operation): void {
  const path = pointer(operation, "path", "remove operation failed to decode path");
  const found = findContainer(document, path);
  if (found === undefined) fail(`remove operation does not apply: doc is missing path: "${path}": missing value`);
  withContext(`error in remove for path: '${path}'`, () => removeMember(found.container, found.key));
}

function replaceOperation(document: Container, operation: Operation): void {
  const path = pointer(operation, "path", "replace operation failed to decode path");
  const found = findContainer(document, path);
  if (found === undefined) fail(`replace operation does not apply: doc is missing path: ${path}: missing value`);
  const { container, key } = found;
  if (Array.isArray(container)) {
    let index = 0;
    try {
      index = resolveIndex(container, key, container.length);
    } catch {
      fail(`replace operation does not apply: doc is missing key: ${path}: missing value`);
    }
    container[index] = operationValue(operation);
    return;
  }
  // v4 looks the member up without requiring it: replacing a missing member adds it.
  setMember(container, key, operationValue(operation));
}

/** A replace of the whole document (path ""): the value, which must be an object or an array. */
function replaceDocument(operation: Operation): Container {
  const value = operationValue(operation);
  if (value === null || typeof value !== "object") fail("replace operation value must be object or array");
  return value;
}

/** The member a move or copy reads ("from"), or the error evanphx gives when its container is missing. */
function findSource(document: Container, operation: Operation, kind: "move" | "copy"): { container: Container; key: string; from: string } {
  const from = pointer(operation, "from", `${kind} operation failed to decode from`);
  const source = findContainer(document, from);
  if (source === undefined) fail(`${kind} operation does not apply: doc is missing from path: ${from}: missing value`);
  return { ...source, from };
}

/** Where a move or copy writes ("path"). */
function findDestination(document: Container, operation: Operation, kind: "move" | "copy"): { container: Container; key: string; path: string } {
  const path = pointer(operation, "path", `${kind} operation failed to decode path`);
  const destination = findContainer(document, path);
  if (destination === undefined) fail(`${kind} operation does not apply: doc is missing destination path: ${path}: missing value`);
  return { ...destination, path };
}

function moveOperation(document: Container, operation: Operation): void {
  const source = findSource(document, operation, "move");
  let value: JsonValue | undefined;
  withContext(`error in move for path: '${source.key}'`, () => {
    value = readMember(source.container, source.key);
    removeMember(source.container, source.key);
  });
  const destination = findDestination(document, operation, "move");
  withContext(`error in move for path: '${destination.path}'`, () => addMember(destination.container, destination.key, value ?? null));
}

function testOperation(document: Container, operation: Operation): void {
  const path = pointer(operation, "path", "test operation failed to decode path");
  if (path === "") {
    if (operation.hasValue && jsonEqual(document, operation.value)) return;
    fail(`testing value ${path} failed: test failed`);
  }
  const found = findContainer(document, path);
  if (found === undefined) fail(`test operation does not apply: is missing path: ${path}: missing value`);
  let actual: JsonValue | undefined;
  withContext(`error in test for path: '${path}'`, () => {
    actual = readMember(found.container, found.key);
  });
  const expected = operation.hasValue ? (operation.value ?? null) : undefined;
  // A missing member and a null "value" are equal to evanphx (both decode to nil).
  if ((actual === undefined || actual === null) && (expected === undefined || expected === null)) return;
  if (actual !== undefined && expected !== undefined && jsonEqual(actual, expected)) return;
  fail(`testing value ${path} failed: test failed`);
}

function copyOperation(document: Container, operation: Operation): void {
  const source = findSource(document, operation, "copy");
  let value: JsonValue | undefined;
  withContext(`error in copy for from: '${source.from}'`, () => {
    value = readMember(source.container, source.key);
  });
  const destination = findDestination(document, operation, "copy");
  withContext("error while adding value during copy", () =>
    addMember(destination.container, destination.key, value === undefined ? null : cloneJson(value)),
  );
}
