// apiserver/schema — the Kubernetes kinds kube-lite serves, as zod 4 schemas with the full
// upstream v1 field sets: decoding (unknown fields, type errors), Kubernetes' defaults,
// semantic validation, registry-strategy preparation on create/update, and OpenAPI v3
// documents generated from the same schemas.
import type { KindKey } from "./contract.js";
import { findKind, kindEntries } from "./kinds.js";

export type { DecodeResult, FieldCause, FieldCauseReason, KindKey, OpenApiResource } from "./contract.js";
export { decodeObject } from "./decode.js";

export const knownKinds: readonly KindKey[] = kindEntries.map((entry) => entry.key);

/** The components.schemas name of a kind, e.g. "io.k8s.api.apps.v1.Deployment". */
export function schemaNameOf(kind: KindKey): string {
  const entry = findKind(kind);
  if (entry === undefined) throw new Error(`unknown kind ${kind.group}/${kind.version}/${kind.kind}`);
  return entry.schemaName;
}
export { applyDefaults } from "./defaults.js";
export { validateObject } from "./validation.js";
export type { ValidateOptions } from "./validation.js";
export { parseQuantity } from "./quantity.js";
export { jsonCopy } from "./json.js";
export { prepareForCreate, prepareForUpdate } from "./prepare.js";
export { podQOSClass } from "./qos.js";
export { openApiV3Document } from "./openapi.js";
export { openApiComponents } from "./openapi-components.js";
