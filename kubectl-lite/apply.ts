// kubectl apply -f, by server-side apply: each object goes to the apiserver as an
// application/apply-patch with field manager "kubectl-lite". The server keeps, in
// managedFields, which fields this manager set, so a field dropped from the file is dropped
// from the object — what client-side apply's last-applied-configuration annotation and 3-way
// merge do, without the annotation. Conflicts with other managers are forced (the manifest
// wins), as client-side `kubectl apply` overwrites whatever `kubectl scale` or an edit set.
import { isNotFound, type KubeObject } from "../client/index.js";
import { CliError } from "./cli-error.js";
import { kindPrefix, resourceTypeOf, type ApiResource } from "./discovery.js";
import { errorMessage } from "./error-message.js";
import { readManifests } from "./manifest-files.js";
import type { SourcedObject } from "./manifest.js";
import type { Session } from "./session.js";

export const fieldManager = "kubectl-lite";

export type ApplyOutcome = "created" | "configured" | "unchanged";

/** created when nothing was there; unchanged when the apply left the resourceVersion as it was. */
export function applyOutcome(before: KubeObject | undefined, after: KubeObject): ApplyOutcome {
  if (before === undefined) return "created";
  return before.metadata.resourceVersion === after.metadata.resourceVersion ? "unchanged" : "configured";
}

/**
 * The namespace an object goes to: its own, else -n's (or default). kubectl refuses a file
 * object whose namespace differs from an explicit -n.
 */
export function targetNamespace(entry: ApiResource, object: KubeObject, session: Pick<Session, "namespace" | "namespaceExplicit">): string | undefined {
  if (!entry.namespaced) return undefined;
  const own = object.metadata.namespace;
  if (own !== undefined && own !== "" && session.namespaceExplicit && own !== session.namespace) {
    throw new CliError(`the namespace from the provided object "${own}" does not match the namespace "${session.namespace}". You must pass '--namespace=${own}' to perform this operation.`);
  }
  return own !== undefined && own !== "" ? own : session.namespace;
}

export interface ApplyFlags {
  readonly filename: string[];
  readonly recursive?: boolean;
  readonly forceConflicts?: boolean;
}

async function applyOne(session: Session, sourced: SourcedObject, force: boolean): Promise<string> {
  const { object } = sourced;
  const entry = await session.discovery.forKind(String(object.apiVersion), String(object.kind));
  const name = object.metadata.name;
  if (name === undefined || name === "") throw new CliError(`from ${sourced.source}: cannot use generate name with apply`);
  const namespace = targetNamespace(entry, object, session);
  const type = resourceTypeOf(entry);
  let before: KubeObject | undefined;
  try {
    before = await session.client.get(type, name, namespace);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const body = { ...object, metadata: { ...object.metadata, ...(namespace === undefined ? {} : { namespace }) } };
  const after = await session.client.patch(type, name, body, { namespace, patchType: "apply", fieldManager, force });
  return `${kindPrefix(entry)}/${name} ${applyOutcome(before, after)}`;
}

/** Applies every object; one failing object does not stop the others (exit code 1 at the end). */
export async function runApply(session: Session, flags: ApplyFlags): Promise<number> {
  const objects = await readManifests(flags.filename, flags.recursive === true, () => session.io.readStdin(), "apply");
  let exitCode = 0;
  for (const sourced of objects) {
    try {
      session.io.out(await applyOne(session, sourced, flags.forceConflicts ?? true));
    } catch (error) {
      session.io.err(errorMessage(error, session.client.servers));
      exitCode = 1;
    }
  }
  return exitCode;
}
