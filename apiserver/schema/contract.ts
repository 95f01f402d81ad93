// The types the apiserver codes against (issue 6): kind keys and Kubernetes StatusCauses.

/** A Kubernetes kind: group "" for core. */
export interface KindKey {
  group: string;
  version: string;
  kind: string;
}

export type FieldCauseReason =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueDuplicate"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "FieldValueForbidden"
  | "FieldValueTypeInvalid";

/** A Kubernetes StatusCause. field like "spec.containers[0].image", "metadata.name". */
export interface FieldCause {
  field: string;
  reason: FieldCauseReason;
  message: string;
}

export type DecodeResult =
  | { ok: true; object: Record<string, unknown>; unknownFields: string[] }
  | { ok: false; message: string; causes: FieldCause[] };

/** Describes a resource for OpenAPI paths; the lead passes the list for each group-version. */
export interface OpenApiResource {
  plural: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  subresources: string[];
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
