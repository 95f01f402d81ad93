// Objects in the store: JSON values under registry keys, each write one store transaction that
// compares the key's revision first (optimistic concurrency without read-then-write races).
// resourceVersion is never stored: it is the key's mod revision, filled in on the way out.
import { bytesToText, type Compare, type KeyValue, type RequestOp, type StoreClient } from "../store/client/index.js";
import { namespacesResource, registryPrefix } from "./resources.js";

export type KubeObject = Record<string, unknown>;

export interface StoredObject {
  readonly key: string;
  readonly object: KubeObject;
  readonly modRevision: number;
}

/** A write that must land in the same transaction (e.g. a service's cluster IP reservation). */
export interface ExtraWrite {
  readonly key: string;
  /** undefined: delete the key. */
  readonly value?: string;
  /** For a put: the key must not exist yet. */
  readonly mustNotExist?: boolean;
}

export type WriteOutcome = { ok: true; revision: number; object: KubeObject } | { ok: false; current: StoredObject | undefined; extraConflict: boolean };

export function metadataOf(object: KubeObject): Record<string, unknown> {
  const metadata = object.metadata;
  if (typeof metadata === "object" && metadata !== null && !Array.isArray(metadata)) return metadata as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  object.metadata = created;
  return created;
}

/** The object as stored: without resourceVersion. */
export function encodeObject(object: KubeObject): string {
  const metadata = metadataOf(object);
  if (metadata.resourceVersion === undefined) return JSON.stringify(object);
  const { resourceVersion: _ignored, ...rest } = metadata;
  return JSON.stringify({ ...object, metadata: rest });
}

/** Decodes a stored value and stamps its resourceVersion. */
export function decodeKeyValue(kv: KeyValue): StoredObject {
  const object = JSON.parse(bytesToText(kv.value)) as KubeObject;
  withResourceVersion(object, kv.modRevision);
  return { key: bytesToText(kv.key), object, modRevision: kv.modRevision };
}

export function withResourceVersion(object: KubeObject, revision: number): KubeObject {
  // resourceVersion goes where Kubernetes serializes it: after uid (or name/namespace).
  const entries = Object.entries(metadataOf(object)).filter(([field]) => field !== "resourceVersion");
  let at = 0;
  entries.forEach(([field], index) => {
    if (field === "name" || field === "generateName" || field === "namespace" || field === "uid") at = index + 1;
  });
  entries.splice(at, 0, ["resourceVersion", String(revision)]);
  object.metadata = Object.fromEntries(entries);
  return object;
}

const namespaceKeyPrefix = registryPrefix(namespacesResource);

export class RegistryStorage {
  /** The store revision of the last namespace this apiserver wrote (NamespaceLifecycle reads its own writes). */
  lastNamespaceWrite = 0;

  constructor(readonly store: StoreClient) {}

  async get(key: string): Promise<StoredObject | undefined> {
    const result = await this.store.range({ key });
    const kv = result.kvs[0];
    return kv === undefined ? undefined : decodeKeyValue(kv);
  }

  /** One page of [startKey, rangeEnd) at `revision` (0: now). */
  async list(startKey: string, rangeEnd: string, options: { revision?: number; limit?: number } = {}): Promise<{ items: StoredObject[]; revision: number; more: boolean; count: number }> {
    const result = await this.store.range({ key: startKey, rangeEnd, ...(options.revision ? { revision: options.revision } : {}), ...(options.limit ? { limit: options.limit } : {}) });
    return { items: result.kvs.map(decodeKeyValue), revision: options.revision || result.header.revision, more: result.more, count: result.count };
  }

  /** Creates `key`; fails (ok: false) when it exists or an extra write's guard fails. */
  async create(key: string, object: KubeObject, extra: readonly ExtraWrite[] = [], lease?: string): Promise<WriteOutcome> {
    return this.guardedWrite(key, { target: "CREATE", createRevision: 0 }, { put: { key, value: encodeObject(object), ...(lease === undefined ? {} : { lease }) } }, object, extra);
  }

  /** Replaces `key` if its mod revision is still `expectedModRevision`. */
  async update(key: string, object: KubeObject, expectedModRevision: number, extra: readonly ExtraWrite[] = [], lease?: string): Promise<WriteOutcome> {
    return this.guardedWrite(key, { target: "MOD", modRevision: expectedModRevision }, { put: { key, value: encodeObject(object), ...(lease === undefined ? {} : { lease }) } }, object, extra);
  }

  /** Deletes `key` if its mod revision is still `expectedModRevision`; `object` is what the caller answers with. */
  async delete(key: string, object: KubeObject, expectedModRevision: number, extra: readonly ExtraWrite[] = []): Promise<WriteOutcome> {
    return this.guardedWrite(key, { target: "MOD", modRevision: expectedModRevision }, { deleteRange: { key } }, object, extra);
  }

  private async guardedWrite(
    key: string,
    guard: { target: "CREATE"; createRevision: number } | { target: "MOD"; modRevision: number },
    op: RequestOp,
    object: KubeObject,
    extra: readonly ExtraWrite[],
  ): Promise<WriteOutcome> {
    const compare: Compare[] = [{ key, result: "EQUAL", ...guard }];
    const success: RequestOp[] = [op];
    for (const write of extra) {
      if (write.value === undefined) {
        success.push({ deleteRange: { key: write.key } });
      } else {
        if (write.mustNotExist === true) compare.push({ key: write.key, result: "EQUAL", target: "CREATE", createRevision: 0 });
        success.push({ put: { key: write.key, value: write.value } });
      }
    }
    const result = await this.store.txn({ compare, success, failure: [{ range: { key } }, ...extra.map((w) => ({ range: { key: w.key, countOnly: true } }))] });
    if (result.succeeded) {
      if (key.startsWith(namespaceKeyPrefix)) this.lastNamespaceWrite = Math.max(this.lastNamespaceWrite, result.header.revision);
      // The answer is the written object with its new resourceVersion: a shallow copy with a new
      // metadata (withResourceVersion replaces it), so the caller's object stays as it was and
      // nothing is deep-copied (a structuredClone per write was a visible share of the apiserver's CPU).
      return { ok: true, revision: result.header.revision, object: withResourceVersion({ ...object }, result.header.revision) };
    }
    const first = result.responses[0];
    const kv = first?.type === "range" ? first.range.kvs[0] : undefined;
    const current = kv === undefined ? undefined : decodeKeyValue(kv);
    const keyGuardHeld = guard.target === "CREATE" ? current === undefined : current?.modRevision === guard.modRevision;
    return { ok: false, current, extraConflict: keyGuardHeld };
  }
}
