// The pod-template-hash that names a Deployment's ReplicaSets (controller.ComputeHash): fnv32a
// over the template (upstream hashes a spew dump of the Go struct; here a canonical JSON with
// sorted keys — stable across processes, different bytes from upstream's), then the
// collisionCount as 8 little-endian bytes, rendered with rand.SafeEncodeString.
import type { PodTemplateSpec } from "../replicaset/index.js";

export const podTemplateHashLabel = "pod-template-hash";

const fnvOffsetBasis = 0x811c9dc5;
const fnvPrime = 0x01000193;
/** rand.SafeEncodeString's alphabet: no vowels (no words) and no look-alike characters. */
const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

export function fnv32a(bytes: Uint8Array, seed = fnvOffsetBasis): number {
  let hash = seed;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, fnvPrime) >>> 0;
  }
  return hash >>> 0;
}

export function safeEncodeString(text: string): string {
  let encoded = "";
  for (const byte of new TextEncoder().encode(text)) encoded += safeAlphabet[byte % safeAlphabet.length] ?? "";
  return encoded;
}

/** JSON with object keys sorted and empty values (at any depth) dropped, so equal templates print equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .map(([key, inner]): [string, string] => [key, canonicalJson(inner)])
      .filter(([, inner]) => !emptyForms.has(inner))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${inner}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** What absent, null, empty lists and empty maps print as. */
const emptyForms = new Set(["null", "[]", "{}"]);

export function computeHash(template: PodTemplateSpec, collisionCount: number | undefined): string {
  let hash = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv32a(bytes, hash);
  }
  return safeEncodeString(String(hash));
}

/**
 * apiequality.Semantic.DeepEqual as EqualIgnoreHash uses it: absent, null, empty lists and empty
 * maps are all the same.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function withoutHashLabel(template: PodTemplateSpec): PodTemplateSpec {
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[podTemplateHashLabel];
  return { ...template, metadata: { ...template.metadata, labels } };
}

/** EqualIgnoreHash: the same template apart from the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  return semanticEqual(withoutHashLabel(a), withoutHashLabel(b));
}
