// Objects named on the command line (TYPE NAME... or TYPE/NAME...) or in -f files, resolved to
// where they live: resource, name, namespace.
import type { ResourceType } from "../client/index.js";
import { targetNamespace } from "./apply.js";
import { CliError } from "./cli-error.js";
import { kindPrefix, resourceTypeOf, type ApiResource } from "./discovery.js";
import { readManifests } from "./manifest-files.js";
import { parseResourceArguments } from "./resource-arguments.js";
import type { Session } from "./session.js";

export interface ObjectReference {
  readonly entry: ApiResource;
  readonly type: ResourceType;
  readonly name: string;
  /** undefined for cluster-scoped objects. */
  readonly namespace: string | undefined;
}

/** "deployment.apps/web", as kubectl's success lines name an object. */
export function referenceName(reference: ObjectReference): string {
  return `${kindPrefix(reference.entry)}/${reference.name}`;
}

/** `deployment.apps "web"`, as kubectl's delete lines name an object. */
export function quotedReference(reference: ObjectReference): string {
  return `${kindPrefix(reference.entry)} "${reference.name}"`;
}

export function referenceOf(entry: ApiResource, name: string, namespace: string): ObjectReference {
  return { entry, type: resourceTypeOf(entry), name, namespace: entry.namespaced ? namespace : undefined };
}

/** TYPE NAME... or TYPE/NAME...; every name is required (no listing). */
export async function referencesFromArguments(session: Session, args: readonly string[], verb: string): Promise<ObjectReference[]> {
  const references: ObjectReference[] = [];
  for (const selection of parseResourceArguments(args)) {
    const entry = await session.discovery.resolve(selection.typed);
    if (selection.names.length === 0) throw new CliError(`resource(s) were provided, but no name was specified`);
    for (const name of selection.names) references.push(referenceOf(entry, name, session.namespace));
  }
  if (references.length === 0) throw new CliError(`you must specify the resource to ${verb}`);
  return references;
}

export async function referencesFromFiles(session: Session, files: readonly string[], recursive: boolean, verb: string): Promise<ObjectReference[]> {
  const references: ObjectReference[] = [];
  for (const sourced of await readManifests(files, recursive, () => session.io.readStdin(), verb)) {
    const entry = await session.discovery.forKind(String(sourced.object.apiVersion), String(sourced.object.kind));
    const name = sourced.object.metadata.name ?? "";
    references.push({ entry, type: resourceTypeOf(entry), name, namespace: targetNamespace(entry, sourced.object, session) });
  }
  return references;
}
