// kubectl label and annotate: KEY=VALUE sets, KEY- removes, --overwrite to replace a value.
// The decision (what to patch, what to say) is pure; the verb reads, decides and patches.
import { CliError } from "./cli-error.js";
import { errorMessage } from "./error-message.js";
import { referenceName, referencesFromArguments, type ObjectReference } from "./object-references.js";
import type { Session } from "./session.js";

export type MetadataField = "labels" | "annotations";

export interface MetadataChanges {
  readonly set: ReadonlyMap<string, string>;
  readonly remove: readonly string[];
}

/** Splits `deploy web a=b c-` into resource arguments and changes. */
export function splitMetadataArguments(args: readonly string[]): { resources: string[]; changes: MetadataChanges } {
  const resources: string[] = [];
  const set = new Map<string, string>();
  const remove: string[] = [];
  for (const arg of args) {
    const equals = arg.indexOf("=");
    if (equals > 0) set.set(arg.slice(0, equals), arg.slice(equals + 1));
    else if (arg.endsWith("-") && arg.length > 1 && resources.length > 0) remove.push(arg.slice(0, -1));
    else resources.push(arg);
  }
  for (const key of remove) if (set.has(key)) throw new CliError(`can not both modify and remove the following label(s) in the same command: ${key}`);
  return { resources, changes: { set, remove } };
}

export interface MetadataPlan {
  /** The merge patch's map: a value sets, null removes. */
  readonly patch: Record<string, string | null>;
  /** kubectl's verb for the outcome: labeled, unlabeled, not labeled, annotated. */
  readonly outcome: string;
  /** Keys asked to be removed that were not there (kubectl warns about each). */
  readonly missing: readonly string[];
}

export function planMetadataEdit(field: MetadataField, current: Readonly<Record<string, string>> | undefined, changes: MetadataChanges, overwrite: boolean): MetadataPlan {
  const existing = current ?? {};
  const clashes = [...changes.set].filter(([key, value]) => existing[key] !== undefined && existing[key] !== value);
  if (!overwrite && clashes.length > 0) {
    const described = clashes.map(([key]) => `'${key}' already has a value (${existing[key] ?? ""})`).join(", ");
    throw new CliError(field === "labels" ? `${described}, and --overwrite is false` : `--overwrite is false but found the following declared annotation(s): ${described}`);
  }
  const patch: Record<string, string | null> = {};
  for (const [key, value] of changes.set) if (existing[key] !== value) patch[key] = value;
  const missing = changes.remove.filter((key) => existing[key] === undefined);
  for (const key of changes.remove) if (existing[key] !== undefined) patch[key] = null;
  if (field === "annotations") return { patch, outcome: "annotated", missing };
  const changed = Object.keys(patch).length > 0;
  const outcome = !changed ? "not labeled" : changes.set.size === 0 ? "unlabeled" : "labeled";
  return { patch, outcome, missing };
}

async function editOne(session: Session, reference: ObjectReference, field: MetadataField, changes: MetadataChanges, overwrite: boolean): Promise<void> {
  const object = await session.client.get(reference.type, reference.name, reference.namespace);
  const plan = planMetadataEdit(field, object.metadata[field], changes, overwrite);
  const noun = field === "labels" ? "label" : "annotation";
  for (const key of plan.missing) session.io.out(`${noun} "${key}" not found.`);
  if (Object.keys(plan.patch).length > 0) {
    const patch = { metadata: { [field]: plan.patch } };
    await session.client.patch(reference.type, reference.name, patch, { namespace: reference.namespace, patchType: "merge" });
  }
  session.io.out(`${referenceName(reference)} ${plan.outcome}`);
}

export async function runMetadataEdit(session: Session, field: MetadataField, args: readonly string[], overwrite: boolean): Promise<number> {
  const { resources, changes } = splitMetadataArguments(args);
  if (changes.set.size === 0 && changes.remove.length === 0) throw new CliError(`at least one ${field === "labels" ? "label" : "annotation"} update is required`);
  const references = await referencesFromArguments(session, resources, field === "labels" ? "label" : "annotate");
  let exitCode = 0;
  for (const reference of references) {
    try {
      await editOne(session, reference, field, changes, overwrite);
    } catch (error) {
      session.io.err(errorMessage(error, session.client.servers));
      exitCode = 1;
    }
  }
  return exitCode;
}
