// -o json|yaml|name for objects, as kubectl prints them: keys sorted (kubectl prints
// unstructured maps), JSON indented by four spaces, YAML with list items flush with their key
// (sigs.k8s.io/yaml's style), several objects wrapped in a v1 List.
import { stringify } from "yaml";
import type { KubeObject } from "../client/index.js";
import { CliError } from "./cli-error.js";

export type ObjectFormat = "json" | "yaml" | "name";

export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value !== "object" || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeysDeep((value as Record<string, unknown>)[key]);
  return sorted;
}

/** kubectl's wrapper when more than one object (or a whole collection) is printed. */
export function listOf(items: readonly KubeObject[]): Record<string, unknown> {
  return { apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "" } };
}

export function formatJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value), null, 4);
}

export function formatYaml(value: unknown): string {
  // YAML 1.1 rules quote what Go's yaml would read as another type ("yes", timestamps), as kubectl does.
  return stringify(sortKeysDeep(value), { version: "1.1", indentSeq: false, lineWidth: 0 }).trimEnd();
}

/** kubectl hides managedFields unless --show-managed-fields. */
export function withoutManagedFields(object: KubeObject): KubeObject {
  const { managedFields: _, ...metadata } = object.metadata as KubeObject["metadata"] & { managedFields?: unknown };
  return { ...object, metadata };
}

export function formatObjects(format: "json" | "yaml", objects: readonly KubeObject[], single: boolean): string {
  const items = objects.map(withoutManagedFields);
  const value = single && items.length === 1 ? items[0] : listOf(items);
  return format === "json" ? formatJson(value) : formatYaml(value);
}

/** "-o" values kubectl get knows that kubectl-lite prints. */
export function parseOutputFormat(value: string | undefined): ObjectFormat | "table" | "wide" {
  if (value === undefined || value === "") return "table";
  if (value === "json" || value === "yaml" || value === "name" || value === "wide") return value;
  throw new CliError(`unable to match a printer suitable for the output format "${value}", allowed formats are: json,name,wide,yaml`);
}
