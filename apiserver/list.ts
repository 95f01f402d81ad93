// LIST: label and field selectors, limit/continue pagination over one consistent revision,
// and resourceVersion semantics (unset: a linearizable read of now; "0": any; Exact: that revision).
import { ApiError, badRequest, gone } from "./errors.js";
import { listPrefix } from "./object-service.js";
import { groupVersionOf, type ResourceInfo } from "./resources.js";
import {
  checkFieldSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  selectableFields,
  SelectorError,
  type FieldRequirement,
  type LabelRequirement,
} from "./selectors/index.js";
import { metadataOf, type KubeObject, type RegistryStorage, type StoredObject } from "./storage.js";

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continueToken?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
}

export interface ListPage {
  readonly items: StoredObject[];
  readonly revision: number;
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

/** A watch or list filter: selectors parsed once, checked per object. */
export interface ObjectFilter {
  readonly namespace?: string;
  readonly labels: readonly LabelRequirement[];
  readonly fields: readonly FieldRequirement[];
  readonly resource: string;
}

export function parseFilter(info: ResourceInfo, namespace: string | undefined, labelSelector: string | undefined, fieldSelector: string | undefined): ObjectFilter {
  try {
    const labels = parseLabelSelector(labelSelector ?? "");
    const fields = parseFieldSelector(fieldSelector ?? "");
    checkFieldSelector(info.resource, fields);
    return { ...(namespace === undefined ? {} : { namespace }), labels, fields, resource: info.resource };
  } catch (error) {
    if (error instanceof SelectorError) throw badRequest(error.message);
    throw error;
  }
}

export function matchesFilter(filter: ObjectFilter, object: KubeObject): boolean {
  const metadata = metadataOf(object);
  if (filter.namespace !== undefined && metadata.namespace !== filter.namespace) return false;
  if (filter.labels.length > 0 && !matchesLabels(filter.labels, metadata.labels as Record<string, string> | undefined)) return false;
  if (filter.fields.length > 0 && !matchesFields(filter.fields, selectableFields(filter.resource, object))) return false;
  return true;
}

function isEverything(filter: ObjectFilter): boolean {
  return filter.labels.length === 0 && filter.fields.length === 0;
}

interface ContinueToken {
  v: "meta.k8s.io/v1";
  rv: number;
  start: string;
}

function encodeContinue(revision: number, start: string): string {
  const token: ContinueToken = { v: "meta.k8s.io/v1", rv: revision, start };
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

function decodeContinue(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, "base64url").toString()) as Partial<ContinueToken>;
    if (parsed.v !== "meta.k8s.io/v1" || typeof parsed.rv !== "number" || !Number.isSafeInteger(parsed.rv) || parsed.rv <= 0 || typeof parsed.start !== "string") throw new Error("bad");
    return parsed as ContinueToken;
  } catch {
    throw badRequest("continue key is not valid: the continue token could not be decoded");
  }
}

/** Store keys read per round when a selector filters the page (bounded, whatever the limit). */
const selectorScanPageKeys = 500;

export async function listObjects(storage: RegistryStorage, info: ResourceInfo, namespace: string | undefined, options: ListOptions): Promise<ListPage> {
  const filter = parseFilter(info, namespace, options.labelSelector, options.fieldSelector);
  const { key: prefix, rangeEnd } = listPrefix(info, namespace);
  let start = prefix;
  let revision = 0;
  if (options.continueToken !== undefined && options.continueToken !== "") {
    if (options.resourceVersion !== undefined && options.resourceVersion !== "") throw badRequest("specifying resource version is not allowed when using continue");
    const token = decodeContinue(options.continueToken);
    revision = token.rv;
    start = prefix + token.start;
    if (!start.startsWith(prefix) || token.start.includes("\u0000/")) throw badRequest("continue key is not valid: the start key is outside the listed range");
  } else {
    revision = exactRevision(options);
  }
  const limit = options.limit !== undefined && options.limit > 0 ? options.limit : 0;
  const items: StoredObject[] = [];
  let more = false;
  let remaining: number | undefined;
  try {
    for (;;) {
      const pageKeys = limit === 0 ? 0 : isEverything(filter) ? limit : Math.max(limit, selectorScanPageKeys);
      const page = await storage.list(start, rangeEnd, { revision, limit: pageKeys });
      if (revision === 0) {
        revision = page.revision;
        checkNotOlderThan(options, revision);
      }
      for (const [index, stored] of page.items.entries()) {
        if (!matchesFilter(filter, stored.object)) continue;
        items.push(stored);
        if (limit > 0 && items.length === limit) {
          more = index < page.items.length - 1 || page.more;
          if (more && isEverything(filter)) remaining = page.count - (index + 1);
          break;
        }
      }
      if (limit > 0 && items.length === limit) break;
      const last = page.items.at(-1);
      if (!page.more || last === undefined) break;
      start = `${last.key}\u0000`;
    }
  } catch (error) {
    if (error instanceof ApiError && error.code === 410 && options.continueToken !== undefined) {
      throw gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
    }
    throw error;
  }
  const lastItem = items.at(-1);
  return {
    items,
    revision,
    ...(more && lastItem !== undefined ? { continueToken: encodeContinue(revision, `${lastItem.key.slice(prefix.length)}\u0000`) } : {}),
    ...(remaining !== undefined && remaining > 0 ? { remainingItemCount: remaining } : {}),
  };
}

function parseVersion(text: string): number {
  if (!/^\d+$/.test(text)) throw badRequest(`resourceVersion: Invalid value: "${text}": must be a non-negative integer`);
  return Number(text);
}

function exactRevision(options: ListOptions): number {
  const match = options.resourceVersionMatch;
  if (match !== undefined && match !== "" && match !== "Exact" && match !== "NotOlderThan") {
    throw badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
  }
  if (match === "Exact") {
    if (options.resourceVersion === undefined || options.resourceVersion === "" || options.resourceVersion === "0") {
      throw badRequest(`resourceVersionMatch: Forbidden: resourceVersionMatch "Exact" is forbidden for resourceVersion "${options.resourceVersion ?? ""}"`);
    }
    return parseVersion(options.resourceVersion);
  }
  if (match === "NotOlderThan" && (options.resourceVersion === undefined || options.resourceVersion === "")) {
    throw badRequest(`resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided`);
  }
  return 0;
}

function checkNotOlderThan(options: ListOptions, revision: number): void {
  if (options.resourceVersion === undefined || options.resourceVersion === "" || options.resourceVersion === "0") return;
  const asked = parseVersion(options.resourceVersion);
  if (asked > revision) {
    throw new ApiError(504, "Timeout", `Too large resource version: ${asked}, current: ${revision}`, { retryAfterSeconds: 1 });
  }
}

/** The List object Kubernetes answers: items without apiVersion/kind. */
export function listObject(info: ResourceInfo, page: ListPage): KubeObject {
  const metadata: Record<string, unknown> = { resourceVersion: String(page.revision) };
  if (page.continueToken !== undefined) metadata.continue = page.continueToken;
  if (page.remainingItemCount !== undefined) metadata.remainingItemCount = page.remainingItemCount;
  return {
    kind: info.listKind,
    apiVersion: groupVersionOf(info),
    metadata,
    items: page.items.map((stored) => {
      const { apiVersion: _apiVersion, kind: _kind, ...rest } = stored.object;
      return rest;
    }),
  };
}
