// A set of field paths, as structured-merge-diff's fieldpath.Set: at each level the path
// elements that are members, and the subsets below each element. Path elements are kept in
// their fieldsV1 spelling: "f:<field>", "k:<json of the key fields>", "v:<json value>", "i:<index>".
// Serialization sorts elements as upstream does, so managedFields round-trip byte for byte.
import { isJsonObject, type JsonObject, type JsonValue } from "../patch/index.js";

export type PathElement = string;
export type FieldPath = PathElement[];

export class FieldSet {
  readonly members = new Set<PathElement>();
  readonly children = new Map<PathElement, FieldSet>();

  static fromPaths(paths: FieldPath[]): FieldSet {
    const set = new FieldSet();
    for (const path of paths) set.insert(path);
    return set;
  }

  /** Parses a fieldsV1 object; "." marks the enclosing element as a member. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    if (!isJsonObject(fields)) return set;
    for (const [element, value] of Object.entries(fields)) {
      if (element === ".") continue;
      const inner = isJsonObject(value) ? value : {};
      const keys = Object.keys(inner);
      if (keys.length === 0 || keys.includes(".")) set.members.add(element);
      if (keys.some((key) => key !== ".")) set.children.set(element, FieldSet.fromFieldsV1(inner));
    }
    return set;
  }

  toFieldsV1(): JsonObject {
    const result: JsonObject = {};
    const elements = [...new Set([...this.members, ...this.nonEmptyChildren().keys()])].sort(comparePathElements);
    for (const element of elements) {
      const child = this.children.get(element);
      if (child === undefined || child.isEmpty()) {
        result[element] = {};
        continue;
      }
      const inner: JsonObject = this.members.has(element) ? { ".": {} } : {};
      Object.assign(inner, child.toFieldsV1());
      result[element] = inner;
    }
    return result;
  }

  insert(path: FieldPath): void {
    const [first, ...rest] = path;
    if (first === undefined) return;
    if (rest.length === 0) this.members.add(first);
    else this.childOrCreate(first).insert(rest);
  }

  has(path: FieldPath): boolean {
    const [first, ...rest] = path;
    if (first === undefined) return false;
    if (rest.length === 0) return this.members.has(first);
    return this.children.get(first)?.has(rest) ?? false;
  }

  childOrCreate(element: PathElement): FieldSet {
    let child = this.children.get(element);
    if (child === undefined) {
      child = new FieldSet();
      this.children.set(element, child);
    }
    return child;
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const child of this.children.values()) if (!child.isEmpty()) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    const result = this.copy();
    for (const member of other.members) result.members.add(member);
    for (const [element, child] of other.children) {
      const mine = result.children.get(element);
      result.children.set(element, mine === undefined ? child.copy() : mine.union(child));
    }
    return result;
  }

  intersection(other: FieldSet): FieldSet {
    const result = new FieldSet();
    for (const member of this.members) if (other.members.has(member)) result.members.add(member);
    for (const [element, child] of this.children) {
      const theirs = other.children.get(element);
      if (theirs === undefined) continue;
      const common = child.intersection(theirs);
      if (!common.isEmpty()) result.children.set(element, common);
    }
    return result;
  }

  /** Members of this set that are not members of `other`, level by level (not recursive removal). */
  difference(other: FieldSet): FieldSet {
    const result = new FieldSet();
    for (const member of this.members) if (!other.members.has(member)) result.members.add(member);
    for (const [element, child] of this.children) {
      const theirs = other.children.get(element);
      const rest = theirs === undefined ? child.copy() : child.difference(theirs);
      if (!rest.isEmpty()) result.children.set(element, rest);
    }
    return result;
  }

  /** Without `other`'s members and everything below them (RecursiveDifference). */
  recursiveDifference(other: FieldSet): FieldSet {
    const result = new FieldSet();
    for (const member of this.members) if (!other.members.has(member)) result.members.add(member);
    for (const [element, child] of this.children) {
      if (other.members.has(element)) continue;
      const theirs = other.children.get(element);
      const rest = theirs === undefined ? child.copy() : child.recursiveDifference(theirs);
      if (!rest.isEmpty()) result.children.set(element, rest);
    }
    return result;
  }

  /** Every field name on a path in the set becomes a member (EnsureNamedFieldsAreMembers). */
  withNamedFieldsAsMembers(): FieldSet {
    const result = new FieldSet();
    for (const member of this.members) result.members.add(member);
    for (const [element, child] of this.children) {
      if (child.isEmpty()) continue;
      if (element.startsWith("f:")) result.members.add(element);
      result.children.set(element, child.withNamedFieldsAsMembers());
    }
    return result;
  }

  /** Member paths in upstream's Iterate order: this level's members, then each child's, sorted. */
  paths(prefix: FieldPath = []): FieldPath[] {
    const result: FieldPath[] = [...this.members].sort(comparePathElements).map((member) => [...prefix, member]);
    for (const element of [...this.children.keys()].sort(comparePathElements)) {
      result.push(...(this.children.get(element) as FieldSet).paths([...prefix, element]));
    }
    return result;
  }

  copy(): FieldSet {
    const result = new FieldSet();
    for (const member of this.members) result.members.add(member);
    for (const [element, child] of this.children) result.children.set(element, child.copy());
    return result;
  }

  private nonEmptyChildren(): Map<PathElement, FieldSet> {
    return new Map([...this.children].filter(([, child]) => !child.isEmpty()));
  }
}

const elementRank: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** PathElement.Compare: field names, then keys, then values, then indexes. */
export function comparePathElements(left: PathElement, right: PathElement): number {
  const leftRank = elementRank[left[0] ?? ""] ?? 4;
  const rightRank = elementRank[right[0] ?? ""] ?? 4;
  if (leftRank !== rightRank) return leftRank - rightRank;
  const leftBody = left.slice(2);
  const rightBody = right.slice(2);
  switch (left[0]) {
    case "f":
      return compareStrings(leftBody, rightBody);
    case "i":
      return Number(leftBody) - Number(rightBody);
    case "k":
      return compareKeys(parseJson(leftBody), parseJson(rightBody));
    default:
      return compareValues(parseJson(leftBody), parseJson(rightBody));
  }
}

/** Parsed key and value elements, so sorting a large set does not re-parse on every comparison. */
const parsedElements = new Map<string, JsonValue>();
const parsedElementsMax = 50_000;

function parseJson(text: string): JsonValue {
  const cached = parsedElements.get(text);
  if (cached !== undefined) return cached;
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    parsed = text;
  }
  if (parsedElements.size >= parsedElementsMax) parsedElements.clear();
  parsedElements.set(text, parsed);
  return parsed;
}

function compareStrings(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function compareKeys(left: JsonValue, right: JsonValue): number {
  const leftFields = isJsonObject(left) ? Object.keys(left).sort() : [];
  const rightFields = isJsonObject(right) ? Object.keys(right).sort() : [];
  for (let index = 0; index < Math.min(leftFields.length, rightFields.length); index++) {
    const leftName = leftFields[index] as string;
    const rightName = rightFields[index] as string;
    const byName = compareStrings(leftName, rightName);
    if (byName !== 0) return byName;
    const byValue = compareValues((left as JsonObject)[leftName] ?? null, (right as JsonObject)[rightName] ?? null);
    if (byValue !== 0) return byValue;
  }
  return leftFields.length - rightFields.length;
}

function typeRank(value: JsonValue): number {
  if (value === null) return 0;
  if (typeof value === "boolean") return 1;
  if (typeof value === "number") return 2;
  if (typeof value === "string") return 3;
  return Array.isArray(value) ? 4 : 5;
}

function compareValues(left: JsonValue, right: JsonValue): number {
  const rankDifference = typeRank(left) - typeRank(right);
  if (rankDifference !== 0) return rankDifference;
  if (typeof left === "number" && typeof right === "number") return left - right;
  if (typeof left === "string" && typeof right === "string") return compareStrings(left, right);
  if (typeof left === "boolean" && typeof right === "boolean") return Number(left) - Number(right);
  return compareStrings(JSON.stringify(left), JSON.stringify(right));
}

/** A path as upstream prints it in conflicts: .spec.containers[name="nginx"].image */
export function pathToString(path: FieldPath): string {
  return path.map(elementToString).join("");
}

function elementToString(element: PathElement): string {
  const body = element.slice(2);
  switch (element[0]) {
    case "f":
      return `.${body}`;
    case "i":
      return `[${body}]`;
    case "k": {
      const key = parseJson(body);
      const fields = isJsonObject(key) ? Object.keys(key).sort() : [];
      return `[${fields.map((name) => `${name}=${JSON.stringify((key as JsonObject)[name])}`).join(",")}]`;
    }
    default:
      return `[=${body}]`;
  }
}

/** The key element of a list-map item: its key fields, sorted by name, as compact JSON. */
export function keyElement(fields: [string, JsonValue][]): PathElement {
  const sorted = [...fields].sort(([left], [right]) => compareStrings(left, right));
  return `k:${JSON.stringify(Object.fromEntries(sorted))}`;
}

export function valueElement(value: JsonValue): PathElement {
  return `v:${JSON.stringify(value)}`;
}

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}
