// A meta.k8s.io/v1 Table, as the apiserver answers `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`:
// the resource's column definitions, one row per object with its cells and, as asked by
// ?includeObject=, the object's metadata (kubectl's default, needed for -A and --show-labels),
// the whole object, or nothing.
import { columnDefinitions, defaultColumnDefinitions } from "./columns.js";
import { record, type Json } from "./json-access.js";
import { podRow, type TableRow } from "./pod-row.js";
import { defaultRow, rowPrinters } from "./rows.js";

export type TableOptions = {
  nowMs: number;
  includeObject: "None" | "Metadata" | "Object";
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
  /**
   * Leave out the column definitions ("columnDefinitions": null): a watch sends them with its
   * first event only, as upstream's watch encoder does once it has printed the headers.
   */
  noHeaders?: boolean;
};

function rowOf(resource: string, object: Json, nowMs: number): TableRow {
  if (resource === "pods") return podRow(object, nowMs);
  return (rowPrinters[resource] ?? defaultRow)(object, nowMs);
}

/** The row's `object`: PartialObjectMetadata carries the whole metadata, as meta.AsPartialObjectMetadata does. */
function embeddedObject(object: Json, includeObject: TableOptions["includeObject"]): Json | undefined {
  if (includeObject === "None") return undefined;
  if (includeObject === "Object") return object;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: record(object.metadata) };
}

export function tableFor(resource: string, objects: readonly Record<string, unknown>[], options: TableOptions): Record<string, unknown> {
  const metadata: Json = {};
  if (options.resourceVersion !== "") metadata.resourceVersion = options.resourceVersion;
  if (options.continueToken !== undefined && options.continueToken !== "") metadata.continue = options.continueToken;
  if (options.remainingItemCount !== undefined) metadata.remainingItemCount = options.remainingItemCount;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata,
    columnDefinitions: options.noHeaders === true ? null : (columnDefinitions[resource] ?? defaultColumnDefinitions),
    rows: objects.map((object) => {
      const row: Json = { ...rowOf(resource, object, options.nowMs) };
      const embedded = embeddedObject(object, options.includeObject);
      if (embedded !== undefined) row.object = embedded;
      return row;
    }),
  };
}
