// /openapi/v3: an index of group-versions and one document per group-version, generated from
// the same zod schemas that validate (kubectl apply downloads them, then leaves validation to
// the server with fieldValidation=Strict).
import { createHash } from "node:crypto";
import { openApiV3Document } from "./schema/index.js";
import { groupVersionOf, resources, servedGroupVersions } from "./resources.js";

const documents = new Map<string, { body: Record<string, unknown>; hash: string }>();

function documentFor(groupVersion: string): { body: Record<string, unknown>; hash: string } | undefined {
  const cached = documents.get(groupVersion);
  if (cached !== undefined) return cached;
  const served = resources.filter((r) => groupVersionOf(r) === groupVersion);
  if (served.length === 0) return undefined;
  const body = openApiV3Document(
    groupVersion,
    served.map((r) => ({ plural: r.resource, kind: r.kind, namespaced: r.namespaced, verbs: [...r.verbs], subresources: [...r.subresources] })),
  );
  const hash = createHash("sha512").update(JSON.stringify(body)).digest("hex").slice(0, 64).toUpperCase();
  const entry = { body, hash };
  documents.set(groupVersion, entry);
  return entry;
}

function pathOf(groupVersion: string): string {
  return groupVersion.includes("/") ? `apis/${groupVersion}` : `api/${groupVersion}`;
}

export function openApiIndex(): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of servedGroupVersions()) {
    const groupVersion = groupVersionOf(gv);
    const document = documentFor(groupVersion);
    if (document !== undefined) paths[pathOf(groupVersion)] = { serverRelativeURL: `/openapi/v3/${pathOf(groupVersion)}?hash=${document.hash}` };
  }
  return { paths };
}

/** The document at /openapi/v3/<path>, e.g. "api/v1" or "apis/apps/v1". */
export function openApiDocument(path: string): Record<string, unknown> | undefined {
  const trimmed = path.replace(/\?.*$/, "").replace(/\/$/, "");
  const groupVersion = trimmed.startsWith("apis/") ? trimmed.slice("apis/".length) : trimmed.startsWith("api/") ? trimmed.slice("api/".length) : undefined;
  return groupVersion === undefined ? undefined : documentFor(groupVersion)?.body;
}
