// OpenAPI v3 documents per group-version, as kube-apiserver serves them at /openapi/v3/api/v1
// and /openapi/v3/apis/<group>/<version>: the operations kubectl looks for (each with
// x-kubernetes-action and x-kubernetes-group-version-kind; patch with fieldValidation and the
// four patch content types) and the components generated from the zod schemas.
import type { JsonObject, KindKey, OpenApiResource } from "./contract.js";
import { findKind } from "./kinds.js";
import { openApiComponents, referencedSchemas, schemaPrefix } from "./openapi-components.js";

const metaV1 = "io.k8s.apimachinery.pkg.apis.meta.v1.";
const jsonTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];
const patchTypes = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];

interface GroupVersion {
  group: string;
  version: string;
}

function parseGroupVersion(groupVersion: string): GroupVersion {
  const slash = groupVersion.indexOf("/");
  return slash < 0 ? { group: "", version: groupVersion } : { group: groupVersion.slice(0, slash), version: groupVersion.slice(slash + 1) };
}

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** "coordination.k8s.io" → "Coordination", "" → "Core", as upstream's operation ids. */
function groupWord(group: string): string {
  return group === "" ? "Core" : capitalize(group.split(".")[0] ?? group);
}

const reference = (name: string) => ({ $ref: `${schemaPrefix}${name}` });

function content(types: readonly string[], schemaName: string): JsonObject {
  return Object.fromEntries(types.map((type) => [type, { schema: reference(schemaName) }]));
}

function queryParameter(name: string, description: string, type: "string" | "boolean" | "integer" = "string"): JsonObject {
  return { name, in: "query", description, schema: { type, uniqueItems: true } };
}

const dryRun = queryParameter("dryRun", "When present, indicates that modifications should not be persisted. Valid values: All.");
const fieldManager = queryParameter("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes.");
const fieldValidation = queryParameter("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values: Ignore, Warn, Strict.");
const force = queryParameter("force", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people.", "boolean");
const listParameters = [
  queryParameter("allowWatchBookmarks", "allowWatchBookmarks requests watch events with type \"BOOKMARK\".", "boolean"),
  queryParameter("continue", "The continue option should be set when retrieving more results from the server."),
  queryParameter("fieldSelector", "A selector to restrict the list of returned objects by their fields."),
  queryParameter("labelSelector", "A selector to restrict the list of returned objects by their labels."),
  queryParameter("limit", "limit is a maximum number of responses to return for a list call.", "integer"),
  queryParameter("resourceVersion", "resourceVersion sets a constraint on what resource versions a request may be served from."),
  queryParameter("resourceVersionMatch", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
  queryParameter("sendInitialEvents", "`sendInitialEvents=true` may be set together with `watch=true`.", "boolean"),
  queryParameter("timeoutSeconds", "Timeout for the list/watch call.", "integer"),
  queryParameter("watch", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.", "boolean"),
];
const deleteParameters = [
  dryRun,
  queryParameter("gracePeriodSeconds", "The duration in seconds before the object should be deleted.", "integer"),
  queryParameter("propagationPolicy", "Whether and how garbage collection will be performed: Orphan, Background or Foreground."),
];

interface OperationSpec {
  action: string;
  operationId: string;
  gvk: KindKey;
  parameters?: JsonObject[];
  body?: { types: readonly string[]; schema: string };
  responses: Record<string, string>;
}

function operation(spec: OperationSpec, tag: string): JsonObject {
  const responses: JsonObject = {};
  for (const [code, schema] of Object.entries(spec.responses)) responses[code] = { description: code === "201" ? "Created" : code === "202" ? "Accepted" : "OK", content: content(jsonTypes, schema) };
  responses["401"] = { description: "Unauthorized" };
  return {
    tags: [tag],
    description: `${spec.action} ${spec.gvk.kind}`,
    operationId: spec.operationId,
    ...(spec.parameters === undefined ? {} : { parameters: spec.parameters }),
    ...(spec.body === undefined ? {} : { requestBody: { content: content(spec.body.types, spec.body.schema), required: true } }),
    responses,
    "x-kubernetes-action": spec.action,
    "x-kubernetes-group-version-kind": spec.gvk,
  };
}

interface ResourceContext {
  gv: GroupVersion;
  resource: OpenApiResource;
  kindSchema: string;
  gvk: KindKey;
  tag: string;
  prefix: string;
  scope: string;
}

function can(resource: OpenApiResource, verb: string): boolean {
  return resource.verbs.includes(verb);
}

/** get, update and patch of one object (of the kind itself, or of its status/scale). */
function objectOperations(context: ResourceContext, schema: string, gvk: KindKey, suffix: string): JsonObject {
  const { resource, tag, prefix, scope } = context;
  const name = `${scope}${context.gvk.kind}${suffix}`;
  const path: JsonObject = {};
  if (can(resource, "get")) path.get = operation({ action: "get", operationId: `read${prefix}${name}`, gvk, responses: { 200: schema } }, tag);
  if (can(resource, "update")) {
    path.put = operation({
      action: "put", operationId: `replace${prefix}${name}`, gvk, parameters: [dryRun, fieldManager, fieldValidation],
      body: { types: ["*/*"], schema }, responses: { 200: schema, 201: schema },
    }, tag);
  }
  if (can(resource, "patch")) {
    path.patch = operation({
      action: "patch", operationId: `patch${prefix}${name}`, gvk, parameters: [dryRun, fieldManager, fieldValidation, force],
      body: { types: patchTypes, schema: `${metaV1}Patch` }, responses: { 200: schema, 201: schema },
    }, tag);
  }
  return path;
}

function collectionOperations(context: ResourceContext): JsonObject {
  const { resource, kindSchema, gvk, tag, prefix, scope } = context;
  const path: JsonObject = {};
  const listSchema = `${kindSchema}List`;
  if (can(resource, "list")) path.get = operation({ action: "list", operationId: `list${prefix}${scope}${gvk.kind}`, gvk, parameters: listParameters, responses: { 200: listSchema } }, tag);
  if (can(resource, "create")) {
    path.post = operation({
      action: "post", operationId: `create${prefix}${scope}${gvk.kind}`, gvk, parameters: [dryRun, fieldManager, fieldValidation],
      body: { types: ["*/*"], schema: kindSchema }, responses: { 200: kindSchema, 201: kindSchema, 202: kindSchema },
    }, tag);
  }
  if (can(resource, "deletecollection")) {
    path.delete = operation({
      action: "deletecollection", operationId: `deletecollection${prefix}${scope}${gvk.kind}`, gvk, parameters: [...deleteParameters, ...listParameters],
      responses: { 200: `${metaV1}Status` },
    }, tag);
  }
  return path;
}

function pathParameters(namespaced: boolean, withName: boolean): JsonObject[] {
  const parameters: JsonObject[] = [];
  if (withName) parameters.push({ name: "name", in: "path", description: "name of the object", required: true, schema: { type: "string", uniqueItems: true } });
  if (namespaced) parameters.push({ name: "namespace", in: "path", description: "object name and auth scope, such as for teams and projects", required: true, schema: { type: "string", uniqueItems: true } });
  parameters.push(queryParameter("pretty", "If 'true', then the output is pretty printed."));
  return parameters;
}

function resourcePaths(context: ResourceContext): Record<string, JsonObject> {
  const { gv, resource, kindSchema, gvk, tag, prefix } = context;
  const root = gv.group === "" ? `/api/${gv.version}` : `/apis/${gv.group}/${gv.version}`;
  const collection = resource.namespaced ? `${root}/namespaces/{namespace}/${resource.plural}` : `${root}/${resource.plural}`;
  const item = `${collection}/{name}`;
  const paths: Record<string, JsonObject> = {};
  paths[collection] = { ...collectionOperations(context), parameters: pathParameters(resource.namespaced, false) };
  const itemPath = objectOperations(context, kindSchema, gvk, "");
  if (can(resource, "delete")) {
    itemPath.delete = operation({
      action: "delete", operationId: `delete${prefix}${context.scope}${gvk.kind}`, gvk, parameters: deleteParameters,
      responses: { 200: kindSchema, 202: kindSchema },
    }, tag);
  }
  paths[item] = { ...itemPath, parameters: pathParameters(resource.namespaced, true) };
  if (resource.namespaced && can(resource, "list")) {
    paths[`${root}/${resource.plural}`] = {
      get: operation({ action: "list", operationId: `list${prefix}${gvk.kind}ForAllNamespaces`, gvk, parameters: listParameters, responses: { 200: `${kindSchema}List` } }, tag),
      parameters: pathParameters(false, false),
    };
  }
  for (const subresource of resource.subresources) {
    const subPath = `${item}/${subresource}`;
    if (subresource === "status") {
      paths[subPath] = { ...objectOperations(context, kindSchema, gvk, "Status"), parameters: pathParameters(resource.namespaced, true) };
    } else if (subresource === "scale") {
      const scaleKind = { group: "autoscaling", version: "v1", kind: "Scale" };
      paths[subPath] = { ...objectOperations(context, "io.k8s.api.autoscaling.v1.Scale", scaleKind, "Scale"), parameters: pathParameters(resource.namespaced, true) };
    } else if (subresource === "finalize") {
      const put = objectOperations(context, kindSchema, gvk, "Finalize").put;
      paths[subPath] = { ...(put === undefined ? {} : { put }), parameters: pathParameters(resource.namespaced, true) };
    } else if (subresource === "binding") {
      const bindingKind = { group: "", version: "v1", kind: "Binding" };
      const schema = "io.k8s.api.core.v1.Binding";
      paths[subPath] = {
        post: operation({
          action: "post", operationId: `create${prefix}${context.scope}${gvk.kind}Binding`, gvk: bindingKind, parameters: [dryRun, fieldManager, fieldValidation],
          body: { types: ["*/*"], schema }, responses: { 200: schema, 201: schema, 202: schema },
        }, tag),
        parameters: pathParameters(resource.namespaced, true),
      };
    }
  }
  return paths;
}

export function openApiV3Document(groupVersion: string, resources: readonly OpenApiResource[]): Record<string, unknown> {
  const gv = parseGroupVersion(groupVersion);
  const prefix = `${groupWord(gv.group)}${capitalize(gv.version)}`;
  const tag = `${gv.group === "" ? "core" : gv.group.split(".")[0] ?? gv.group}_${gv.version}`;
  const paths: Record<string, JsonObject> = {};
  const roots = [`${metaV1}Status`, `${metaV1}DeleteOptions`, `${metaV1}Patch`, `${metaV1}WatchEvent`];
  for (const resource of resources) {
    const gvk = { group: gv.group, version: gv.version, kind: resource.kind };
    const entry = findKind(gvk);
    if (entry === undefined) continue;
    const context: ResourceContext = { gv, resource, kindSchema: entry.schemaName, gvk, tag, prefix, scope: resource.namespaced ? "Namespaced" : "" };
    Object.assign(paths, resourcePaths(context));
    roots.push(entry.schemaName, `${entry.schemaName}List`);
    if (resource.subresources.includes("scale")) roots.push("io.k8s.api.autoscaling.v1.Scale");
    if (resource.subresources.includes("binding")) roots.push("io.k8s.api.core.v1.Binding");
  }
  const components = openApiComponents();
  const schemas: Record<string, unknown> = {};
  for (const name of [...referencedSchemas(roots)].sort()) schemas[name] = components[name];
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths,
    components: { schemas },
  };
}
