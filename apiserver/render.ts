// Response formats: plain JSON, a meta.k8s.io/v1 Table (what kubectl get asks for), or
// PartialObjectMetadata(List) (metadata-only clients such as garbage collectors).
import { ApiError } from "./errors.js";
import type { RequestQuery } from "./query.js";
import type { ResourceInfo } from "./resources.js";
import { metadataOf, type KubeObject } from "./storage.js";
import { tableFor } from "./tables/index.js";

export type ResponseFormat = { kind: "json" } | { kind: "table" } | { kind: "metadata" };

/**
 * Picks the first acceptable media type of an Accept header, as Kubernetes' negotiation does:
 * `application/json;as=Table;v=v1;g=meta.k8s.io`, `...;as=PartialObjectMetadata(List)...`,
 * `application/json`, `*\/*`. Protobuf alone is refused with 406.
 */
export function responseFormatOf(accept: string | undefined): ResponseFormat {
  if (accept === undefined || accept.trim() === "") return { kind: "json" };
  let sawOnlyUnsupported = true;
  for (const range of accept.split(",")) {
    const [typePart, ...parameterParts] = range.split(";").map((p) => p.trim());
    const type = (typePart ?? "").toLowerCase();
    const parameters = new Map(parameterParts.map((p) => p.split("=").map((s) => s.trim()) as [string, string]));
    if (type !== "application/json" && type !== "*/*" && type !== "application/*" && type !== "application/yaml") continue;
    sawOnlyUnsupported = false;
    const as = parameters.get("as");
    if (as === undefined) return { kind: "json" };
    if (parameters.get("g") !== "meta.k8s.io" || (parameters.get("v") !== "v1" && parameters.get("v") !== "v1beta1")) continue;
    if (as === "Table") return { kind: "table" };
    if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") return { kind: "metadata" };
  }
  if (sawOnlyUnsupported) throw new ApiError(406, "NotAcceptable", `only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io`);
  return { kind: "json" };
}

/** Renders a single object or a List in the negotiated format. `noHeaders` drops a Table's column definitions (watch events after the first). */
export function render(info: ResourceInfo, value: KubeObject, format: ResponseFormat, query: RequestQuery, nowMs: number, noHeaders = false): KubeObject {
  if (format.kind === "json") return value;
  const isList = Array.isArray(value.items);
  const items = isList ? (value.items as KubeObject[]) : [value];
  const listMetadata = isList ? metadataOf(value) : {};
  if (format.kind === "metadata") {
    const partial = items.map((item) => ({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: metadataOf(item) }));
    return isList ? { kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", metadata: listMetadata, items: partial } : (partial[0] as KubeObject);
  }
  const table = tableFor(info.resource, items, {
    nowMs,
    includeObject: query.includeObject ?? "Metadata",
    resourceVersion: String((isList ? listMetadata.resourceVersion : metadataOf(value).resourceVersion) ?? ""),
    ...(typeof listMetadata.continue === "string" ? { continueToken: listMetadata.continue } : {}),
    ...(typeof listMetadata.remainingItemCount === "number" ? { remainingItemCount: listMetadata.remainingItemCount } : {}),
  });
  if (noHeaders) return { ...table, columnDefinitions: null };
  return table;
}
