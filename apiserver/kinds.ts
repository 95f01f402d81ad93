// The bridge between resources and their schemas: decode, defaults, registry strategies,
// validation, and the OpenAPI schema the patch engines read list semantics from.
import {
  applyDefaults,
  decodeObject,
  openApiComponents,
  prepareForCreate,
  prepareForUpdate,
  schemaNameOf,
  validateObject,
  type FieldCause,
  type KindKey,
} from "./schema/index.js";
import type { PatchSchema, SchemaNode } from "./patch/index.js";
import type { ResourceInfo } from "./resources.js";
import type { KubeObject } from "./storage.js";

export function kindKeyOf(info: ResourceInfo): KindKey {
  return { group: info.group, version: info.version, kind: info.kind };
}

export function decodeAs(info: ResourceInfo, body: unknown): ReturnType<typeof decodeObject> {
  return decodeObject(kindKeyOf(info), body);
}

export function defaultsFor(info: ResourceInfo, object: KubeObject): KubeObject {
  return applyDefaults(kindKeyOf(info), object);
}

export function prepareCreate(info: ResourceInfo, object: KubeObject): KubeObject {
  return prepareForCreate(kindKeyOf(info), object);
}

export function prepareUpdate(info: ResourceInfo, object: KubeObject, old: KubeObject, subresource: "status" | "finalize" | undefined): KubeObject {
  return prepareForUpdate(kindKeyOf(info), object, old, subresource);
}

export function validate(info: ResourceInfo, object: KubeObject, options: { operation: "create" | "update"; old?: KubeObject; subresource?: "status" | "scale" | "binding" }): FieldCause[] {
  return validateObject(kindKeyOf(info), object, options);
}

let components: Record<string, SchemaNode> | undefined;
const patchSchemas = new Map<string, PatchSchema>();

/** The OpenAPI schema of a kind, as the strategic-merge and apply engines read it. */
export function patchSchemaFor(info: ResourceInfo): PatchSchema {
  components ??= openApiComponents() as Record<string, SchemaNode>;
  const name = schemaNameOf(kindKeyOf(info));
  let schema = patchSchemas.get(name);
  if (schema === undefined) {
    schema = { root: components[name] ?? {}, components };
    patchSchemas.set(name, schema);
  }
  return schema;
}
