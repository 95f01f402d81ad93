// apiserver/patch — the patch engines of PATCH requests, as pure functions: RFC 7386 merge
// patch, RFC 6902 JSON patch and Kubernetes' strategic merge patch (every directive kubectl
// sends), each behaving as Kubernetes 1.32 does, errors included (PatchError carries the status).
export { PatchError, jsonEqual, isJsonObject } from "./types.js";
export type { JsonValue, JsonObject, SchemaNode, PatchSchema } from "./types.js";
export { applyMergePatch } from "./merge-patch.js";
export { applyJsonPatch, jsonPatchOperationsMax } from "./json-patch.js";
export { resolveSchema, fieldSchema, itemSchema, isDeclaredField, rootSchema, patchStrategies } from "./schema.js";
export { applyStrategicMergePatch } from "./strategic-merge-patch.js";
