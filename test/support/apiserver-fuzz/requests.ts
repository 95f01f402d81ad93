// Bad requests that are not about one object's fields: garbage patches of every patch type,
// bad query parameters, paths that do not exist, malformed YAML and YAML alias bombs.
import fc from "fast-check";
import { parseDocument, stringify } from "yaml";
import { fieldPaths, invalidLabelKey, jsonPointer, valueAt, withValueAt, wrongType, type FieldPath } from "./mutations.js";
import type { JsonObject } from "./objects.js";

export type PatchKind = "json" | "merge" | "strategic" | "apply";

export const patchContentTypes: Readonly<Record<PatchKind, string>> = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

/** A field of the object with a value of the wrong type: the place, and the object so broken. */
export function brokenField(object: JsonObject): fc.Arbitrary<{ path: FieldPath; broken: JsonObject; value: unknown }> {
  const paths = fieldPaths(object).filter((p) => !(p[0] === "metadata" && (p[1] === "name" || p[1] === "namespace") && p.length === 2));
  return fc
    .constantFrom(...paths)
    .chain((path) => wrongType(valueAt(object, path)).map((value) => ({ path, value, broken: withValueAt(object, path, value) })));
}

const jsonPatchOps = ["add", "remove", "replace", "move", "copy", "test"];

/** JSON patches that cannot apply to `object`, some after a valid first operation (the patch is all or nothing). */
export function garbageJsonPatch(object: JsonObject): fc.Arbitrary<unknown> {
  const name = String((object.metadata as JsonObject | undefined)?.name ?? "");
  const fieldPath = fc.constantFrom(...fieldPaths(object));
  const bad: fc.Arbitrary<unknown>[] = [
    fc.string({ minLength: 1, maxLength: 10 }).filter((op) => !jsonPatchOps.includes(op)).map((op) => ({ op, path: "/metadata/labels" })),
    fc.constantFrom<unknown>(
      { op: "remove" },
      { op: 5, path: "/metadata" },
      { op: "remove", path: "metadata/labels" },
      { op: "remove", path: "/nope/deeper" },
      { op: "replace", path: "/metadata/nope/x", value: "v" },
      { op: "add", path: "/metadata/labels/a/b/c", value: "v" },
      { op: "move", path: "/metadata/labels/x" },
      { op: "move", from: "/metadata/nope", path: "/metadata/labels/x" },
      { op: "test", path: "/metadata/name", value: `${name}-not` },
      { op: "add", path: "/metadata/finalizers/99", value: "x" },
      { op: "remove", path: "/metadata/labels/~2" },
      { op: "add", path: "/metadata/labels/bad key", value: "v" },
      { op: "add", path: "/metadata/finalizers/99999999999999999999", value: "x" },
    ),
    fieldPath.chain((path) => wrongType(valueAt(object, path)).map((value) => ({ op: "replace", path: jsonPointer(path), value }))),
  ];
  const ops = fc.oneof(...bad);
  const first = { op: "add", path: "/metadata/labels/fuzz-applied-first", value: "yes" };
  return fc.oneof(
    ops.map((op) => [op]),
    ops.map((op) => [first, op]),
    fc.constantFrom<unknown>({}, { op: "add", path: "/metadata/labels/x", value: "v" }, "add", 5, true),
  );
}

/** Merge patches (RFC 7386) that leave the object invalid. */
export function garbageMergePatch(object: JsonObject): fc.Arbitrary<unknown> {
  return fc.oneof(
    // The top-level field holding the broken value, whole: lists are replaced, not merged.
    brokenField(object).map(({ path, broken }) => ({ [String(path[0])]: broken[String(path[0])] })),
    invalidLabelKey.map((key) => ({ metadata: { labels: { [key]: "v" } } })),
    fc.constantFrom<unknown>({ metadata: { name: 5 } }, { metadata: "x" }, { metadata: { labels: "x" } }, { metadata: { labels: { a: 5 } } }, { metadata: { annotations: { "bad key": "v" } } }, [1, 2], "text", 5, true),
  );
}

/** Strategic merge patches with broken directives or values. */
export function garbageStrategicPatch(object: JsonObject): fc.Arbitrary<unknown> {
  // A $patch that is not a string, on a map the object has (on one it lacks: a known bug).
  const maps = ["labels", "annotations"].filter((name) => typeof (object.metadata as JsonObject | undefined)?.[name] === "object");
  return fc.oneof(
    garbageMergePatch(object),
    ...maps.map((name) => fc.constant({ metadata: { [name]: { $patch: 5 } } })),
    fc.constantFrom<unknown>(
      { $patch: "nonsense" },
      { metadata: { $patch: "nonsense" } },
      { metadata: { $retainKeys: 5 } },
      { metadata: { "$setElementOrder/finalizers": 5 } },
      { metadata: { ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "owner" }] } },
    ),
  );
}

/** Server-side apply configurations that must be refused (sent with a field manager). */
export function garbageApply(object: JsonObject): fc.Arbitrary<string> {
  const { apiVersion, kind } = object;
  const name = String((object.metadata as JsonObject | undefined)?.name ?? "");
  return fc.oneof(
    brokenField(object).map(({ broken }) => JSON.stringify(broken)),
    malformedYaml(object),
    fc.constantFrom(
      JSON.stringify({ apiVersion, kind, metadata: { name: `${name}-other` } }),
      JSON.stringify({ apiVersion, kind: "Nope", metadata: { name } }),
      JSON.stringify({ apiVersion: "nope/v9", kind, metadata: { name } }),
      JSON.stringify({ apiVersion, kind, metadata: { name, labels: { "bad key": "v" } } }),
      `apiVersion: ${String(apiVersion)}\nkind: ${String(kind)}\nmetadata:\n  name: ${name}\n  labels: [1, 2]\n`,
      "[]",
      "5",
      "just text",
    ),
  );
}

/** YAML text of the object with one line broken so that no YAML parser reads it. */
export function malformedYaml(object: JsonObject): fc.Arbitrary<string> {
  const lines = stringify(object).split("\n");
  const breakers = ['  bad: "unterminated', "\tkey: tab-indented", "- [", "{a: 1", "key: [1, 2", "a: b: c", "  ? [", "!!binary %%%", "*undefined-alias", "&a &b x", "'quoted'oops: 1", "@at: 1", "`tick: 1"];
  return fc
    .record({ at: fc.nat({ max: lines.length }), breaker: fc.constantFrom(...breakers) })
    .map(({ at, breaker }) => [...lines.slice(0, at), breaker, ...lines.slice(at)].join("\n"))
    .filter((text) => parseDocument(text).errors.length > 0);
}

/** "Billion laughs": each level an anchored list of `fanout` aliases to the level before. */
export function yamlAliasBomb(fanout: number, depth: number): string {
  const lines = [`l0: &l0 [${Array.from({ length: fanout }, () => '"lol"').join(", ")}]`];
  for (let level = 1; level <= depth; level++) lines.push(`l${level}: &l${level} [${Array.from({ length: fanout }, () => `*l${level - 1}`).join(", ")}]`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}

/** The same through merge keys (<<), which expand maps rather than lists. */
export function yamlMergeKeyBomb(depth: number): string {
  const lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4}"];
  for (let level = 1; level <= depth; level++) lines.push(`m${level}: &m${level} {x: *m${level - 1}, y: *m${level - 1}, z: *m${level - 1}, <<: *m${level - 1}}`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}

// ---- query parameters ----

export interface BadParameter {
  readonly name: string;
  /** Values certainly refused. */
  readonly values: fc.Arbitrary<string>;
  /** Words one of which the message must contain (empty: not checked; Kubernetes does not name selectors). */
  readonly named: readonly string[];
}

const notInteger = fc.oneof(fc.constantFrom("abc", "1.5", "1e3", "0x10", "--1", "１", "1 2", "+-3"), fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !/^\s*[-+]?\d+\s*$/.test(s)));
/** Past int64: Kubernetes' strconv.ParseInt refuses it. */
const overflow = fc.constantFrom("99999999999999999999999", "9223372036854775808", "-9223372036854775809");
const notBoolean = fc.constantFrom("maybe", "yes", "no", "2", "-1", "tru", "on", "null");

const continueToken = (token: unknown): string => Buffer.from(JSON.stringify(token)).toString("base64url");

/** Parameters of a list or watch, with values a list must refuse. */
export const badListParameters: readonly BadParameter[] = [
  { name: "limit", values: fc.oneof(notInteger, overflow, fc.constantFrom("-1", "-100")), named: ["limit"] },
  { name: "resourceVersion", values: fc.oneof(fc.constantFrom("abc", "-1", "1.5", "0x10", "1e3", " 1", "١", "9999999999999999999999999"), fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !/^\d+$/.test(s))), named: ["resourceVersion", "resource version"] },
  { name: "resourceVersionMatch", values: fc.constantFrom("Bogus", "exact", "notolderthan", "Newest"), named: ["resourceVersionMatch"] },
  { name: "timeoutSeconds", values: fc.oneof(notInteger, overflow), named: ["timeoutSeconds"] },
  { name: "watch", values: notBoolean, named: ["watch"] },
  { name: "allowWatchBookmarks", values: notBoolean, named: ["allowWatchBookmarks"] },
  {
    name: "labelSelector",
    values: fc.oneof(
      fc.constantFrom("a=b=c", "a in (", "a in (b", "!", "a notin b", "=b", "a,,b", "a!b", "a=(b)", "a b", "in (x)", "a=b,", "-a=b", `a=${"b".repeat(64)}`, "a/b/c=d", "a=b c", "!a=b"),
      // A NUL ends a selector for Kubernetes' lexer (what follows is ignored), so it is no fault there.
      invalidLabelKey.filter((k) => k !== "" && !k.includes("\u0000")).map((key) => `${key}=v`),
    ),
    named: [],
  },
  { name: "fieldSelector", values: fc.constantFrom("spec.bogus=x", "metadata.name", "=x", "a=b=c", "metadata.labels=x", "status.nope!=y", "metadata.name in (a)", "metadata.name=a=b", "metadata.name<a"), named: [] },
  {
    name: "continue",
    values: fc.oneof(
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.constantFrom(
        "%%%",
        continueToken({}),
        continueToken({ v: "meta.k8s.io/v1", rv: "x", start: "a" }),
        continueToken({ v: "meta.k8s.io/v1", rv: -1, start: "a" }),
        continueToken({ v: "meta.k8s.io/v1", rv: 0, start: "a" }),
        continueToken({ v: "meta.k8s.io/v1", rv: 1.5, start: "a" }),
        continueToken({ v: "meta.k8s.io/v1", rv: 2, start: 5 }),
        continueToken({ v: "nope/v9", rv: 2, start: "a" }),
        continueToken([1, 2]),
        Buffer.from("not json").toString("base64url"),
      ),
    ),
    named: ["continue"],
  },
];

/** Parameters of a create, update or patch. */
export const badWriteParameters: readonly BadParameter[] = [
  { name: "fieldValidation", values: fc.constantFrom("Bogus", "strict", "warn", "None", ""), named: ["fieldValidation"] },
  { name: "dryRun", values: fc.constantFrom("Bogus", "all", "None", "true", "1"), named: ["dryRun"] },
  { name: "fieldManager", values: fc.constantFrom("m".repeat(129), "m".repeat(1_000)), named: ["fieldManager"] },
];

/** Parameters of a delete. */
export const badDeleteParameters: readonly BadParameter[] = [
  { name: "propagationPolicy", values: fc.constantFrom("Bogus", "orphan", "background", "None"), named: ["propagationPolicy"] },
  { name: "gracePeriodSeconds", values: fc.oneof(notInteger, overflow), named: ["gracePeriodSeconds"] },
  { name: "orphanDependents", values: notBoolean, named: ["orphanDependents"] },
  { name: "dryRun", values: fc.constantFrom("Bogus", "all", "None"), named: ["dryRun"] },
];

// ---- paths ----

const realPlurals = new Set(["namespaces", "nodes", "pods", "services", "endpoints", "configmaps", "secrets", "events", "bindings", "deployments", "replicasets", "leases"]);

/** A path segment: usually percent-encoded text, sometimes raw bytes a URL parser may choke on. */
const segment: fc.Arbitrary<string> = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== "." && s !== "..").map((s) => encodeURIComponent(s)),
  // Dot segments are left out: a URL parser may resolve them to a real path (see the socket test).
  fc.constantFrom("%zz", "%", "%00", "%2F", "...", "a..b", "a;b", "~", "a".repeat(1_100)),
);

/** Paths that name nothing the apiserver serves. */
export const missingPath: fc.Arbitrary<string> = fc.oneof(
  // A resource that does not exist, under every group-version prefix.
  fc
    .record({
      prefix: fc.constantFrom("/api/v1", "/apis/apps/v1", "/apis/coordination.k8s.io/v1", "/api/v1/namespaces/default", "/apis/apps/v1/namespaces/default"),
      plural: segment.filter((s) => !realPlurals.has(decodeSafely(s)) && decodeSafely(s) !== ""),
      rest: fc.array(segment, { maxLength: 3 }),
    })
    .map(({ prefix, plural, rest }) => [prefix, plural, ...rest].join("/")),
  // Group-versions that are not served.
  fc.record({ prefix: fc.constantFrom("/api/v2", "/apis/nope/v1", "/apis/apps/v2", "/apis/apps/v1beta1", "/apis/extensions/v1beta1"), rest: fc.array(segment, { maxLength: 3 }) }).map(({ prefix, rest }) => [prefix, ...rest].join("/")),
  // A subresource that does not exist, or segments past the last one.
  fc
    .record({ object: fc.constantFrom("/api/v1/namespaces/default/pods/p", "/apis/apps/v1/namespaces/default/deployments/d", "/api/v1/nodes/n"), sub: segment.filter((s) => !["status", "scale", "binding"].includes(decodeSafely(s))) })
    .map(({ object, sub }) => `${object}/${sub}`),
  fc.constantFrom("/api/v1/namespaces/default/pods/p/status/extra", "/apis/apps/v1/namespaces/default/deployments/d/scale/x/y"),
  // Outside the API altogether.
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join("/")}`).filter((p) => !/^\/(api|apis|openapi|version|healthz|livez|readyz)(\/|$)/.test(p)),
);

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
