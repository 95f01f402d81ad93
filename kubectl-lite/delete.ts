// kubectl delete: TYPE NAME..., TYPE/NAME..., -f FILE, or TYPE -l SELECTOR / --all, with
// --cascade, --grace-period, --now, --force, --wait and --ignore-not-found.
import { isNotFound, type DeleteOptions } from "../client/index.js";
import { CliError } from "./cli-error.js";
import { errorMessage } from "./error-message.js";
import { parseResourceArguments } from "./resource-arguments.js";
import { quotedReference, referenceOf, referencesFromArguments, referencesFromFiles, type ObjectReference } from "./object-references.js";
import type { Session } from "./session.js";
import { waitUntilGone } from "./wait.js";

export interface DeleteFlags {
  readonly filename?: string[];
  readonly recursive?: boolean;
  readonly selector?: string;
  readonly all?: boolean;
  readonly cascade?: string;
  readonly gracePeriod?: string;
  readonly now?: boolean;
  readonly force?: boolean;
  readonly wait?: boolean;
  readonly timeout?: string;
  readonly ignoreNotFound?: boolean;
}

/** --cascade's values (kubectl still takes the old true/false) as a propagation policy. */
export function propagationPolicy(cascade: string | undefined): DeleteOptions["propagationPolicy"] {
  switch (cascade ?? "background") {
    case "background":
    case "true":
      return "Background";
    case "foreground":
      return "Foreground";
    case "orphan":
    case "false":
      return "Orphan";
    default:
      throw new CliError(`invalid cascade value (${cascade ?? ""}). Must be "background", "foreground", or "orphan"`);
  }
}

/** --grace-period (-1: the object's own), --now (1 s) and --force (0 s, immediate) as kubectl combines them. */
export function gracePeriodSeconds(flags: Pick<DeleteFlags, "gracePeriod" | "now" | "force">): number | undefined {
  const given = flags.gracePeriod === undefined ? -1 : Number(flags.gracePeriod);
  if (!Number.isInteger(given)) throw new CliError(`invalid argument "${flags.gracePeriod ?? ""}" for "--grace-period" flag: must be an integer`);
  if (flags.now === true) {
    if (given !== -1) throw new CliError("--now and --grace-period cannot be specified together");
    return 1;
  }
  if (flags.force === true && given < 0) return 0;
  return given < 0 ? undefined : given;
}

async function selectedReferences(session: Session, args: readonly string[], flags: DeleteFlags): Promise<ObjectReference[]> {
  if ((flags.filename?.length ?? 0) > 0) {
    if (args.length > 0) throw new CliError("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form or with -f");
    return referencesFromFiles(session, flags.filename ?? [], flags.recursive === true, "delete");
  }
  if (flags.selector === undefined && flags.all !== true) return referencesFromArguments(session, args, "delete");
  const references: ObjectReference[] = [];
  for (const selection of parseResourceArguments(args)) {
    if (selection.names.length > 0) throw new CliError("name cannot be provided when a selector is specified");
    const entry = await session.discovery.resolve(selection.typed);
    const reference = referenceOf(entry, "", session.namespace);
    const list = await session.client.list(reference.type, { ...(reference.namespace === undefined ? {} : { namespace: reference.namespace }), ...(flags.selector === undefined ? {} : { labelSelector: flags.selector }) });
    for (const item of list.items) references.push(referenceOf(entry, item.metadata.name ?? "", session.namespace));
  }
  return references;
}

export async function runDelete(session: Session, args: readonly string[], flags: DeleteFlags): Promise<number> {
  const references = await selectedReferences(session, args, flags);
  const options: DeleteOptions = { propagationPolicy: propagationPolicy(flags.cascade) };
  const grace = gracePeriodSeconds(flags);
  if (flags.force === true && grace === 0) session.io.err("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.");
  if (references.length === 0) {
    session.io.err(session.namespace === "" ? "No resources found" : `No resources found in ${session.namespace} namespace.`);
    return 0;
  }
  let exitCode = 0;
  const deleted: ObjectReference[] = [];
  for (const reference of references) {
    try {
      await session.client.delete(reference.type, reference.name, { ...options, ...(grace === undefined ? {} : { gracePeriodSeconds: grace }), ...(reference.namespace === undefined ? {} : { namespace: reference.namespace }) });
      session.io.out(`${quotedReference(reference)} deleted`);
      deleted.push(reference);
    } catch (error) {
      if (isNotFound(error) && flags.ignoreNotFound === true) continue;
      session.io.err(errorMessage(error, session.client.servers));
      exitCode = 1;
    }
  }
  if (flags.wait === true) await waitUntilGone(session, deleted, flags.timeout);
  return exitCode;
}
