// Every /registry key's value and mod revision, read straight from the store: the "changed
// nothing" check compares two of these.
import { prefixRangeEnd, bytesToText, type StoreClient } from "../../../store/client/index.js";

export type RegistrySnapshot = Map<string, { readonly modRevision: number; readonly value: string }>;

/** The registry as stored now, without the keys `ignore` selects (those the suite writes on purpose). */
export async function registrySnapshot(store: StoreClient, ignore: (key: string, value: string) => boolean): Promise<RegistrySnapshot> {
  const out: RegistrySnapshot = new Map();
  const end = prefixRangeEnd("/registry/");
  let start = "/registry/";
  // Every page at the first page's revision: one consistent picture.
  let revision = 0;
  for (;;) {
    const page = await store.range({ key: start, rangeEnd: end, limit: 500, revision });
    revision = page.header.revision;
    for (const kv of page.kvs) {
      const key = bytesToText(kv.key);
      const value = bytesToText(kv.value);
      if (!ignore(key, value)) out.set(key, { modRevision: kv.modRevision, value });
    }
    const last = page.kvs.at(-1);
    if (!page.more || last === undefined) return out;
    start = `${bytesToText(last.key)}\u0000`;
  }
}

/** Keys added, removed or changed between two snapshots, for a readable failure. */
export function snapshotDifferences(before: RegistrySnapshot, after: RegistrySnapshot): string[] {
  const out: string[] = [];
  for (const [key, entry] of before) {
    const now = after.get(key);
    if (now === undefined) out.push(`removed ${key}`);
    else if (now.modRevision !== entry.modRevision || now.value !== entry.value) out.push(`changed ${key} (mod revision ${entry.modRevision} → ${now.modRevision})`);
  }
  for (const key of after.keys()) if (!before.has(key)) out.push(`added ${key}`);
  return out;
}
