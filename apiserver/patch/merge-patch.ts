// RFC 7386 JSON merge patch as Kubernetes applies it (evanphx/json-patch MergePatch): a null
// patch document is refused, a non-object patch replaces the document, nulls are pruned from
// values that are added (also inside objects nested in arrays, as evanphx does).
import { PatchError, cloneJson, isJsonObject, ownMember, setMember, type JsonObject, type JsonValue } from "./types.js";

/** evanphx's ErrBadJSONPatch text, which the apiserver answers with 400. */
export const invalidMergePatchMessage = "Invalid JSON Patch";

export function applyMergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (patch === null || (typeof patch !== "object" && !Array.isArray(patch))) {
    throw new PatchError(invalidMergePatchMessage, 400);
  }
  if (!isJsonObject(patch)) return pruneNulls(cloneJson(patch));
  if (!isJsonObject(target)) return pruneNulls(cloneJson(patch));
  return mergeObjects(cloneJson(target), patch);
}

function mergeObjects(target: JsonObject, patch: JsonObject): JsonObject {
  for (const [key, patchValue] of Object.entries(patch)) {
    if (patchValue === null) {
      delete target[key];
      continue;
    }
    const current = ownMember(target, key);
    if (isJsonObject(current)) {
      // evanphx replaces an object by a non-object patch value as is, without pruning.
      setMember(target, key, isJsonObject(patchValue) ? mergeObjects(current, patchValue) : cloneJson(patchValue));
    } else {
      setMember(target, key, pruneNulls(cloneJson(patchValue)));
    }
  }
  return target;
}

/** Drops null members of objects, recursively, also through arrays (array items stay). */
export function pruneNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(pruneNulls);
  if (isJsonObject(value)) {
    const result: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== null) setMember(result, key, pruneNulls(item));
    }
    return result;
  }
  return value;
}
