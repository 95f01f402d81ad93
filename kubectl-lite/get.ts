// kubectl get: server-side Tables for the human formats (the columns are the apiserver's, as
// with kubectl), plain objects for -o json|yaml|name, and -w over a watch that also asks for
// Tables.
import { collectionPath, objectPath, type KubeObject, type ListOptions, type ResourceType } from "../client/index.js";
import { CliError } from "./cli-error.js";
import { kindPrefix, resourceTypeOf, type ApiResource } from "./discovery.js";
import { errorMessage } from "./error-message.js";
import { formatObjects, parseOutputFormat } from "./object-output.js";
import { parseResourceArguments } from "./resource-arguments.js";
import type { Session } from "./session.js";
import { alignRows, columnWidths, isTable, tableCells, type Table, type TablePrintOptions } from "./table-printer.js";

export interface GetFlags {
  readonly output?: string;
  readonly allNamespaces?: boolean;
  readonly selector?: string;
  readonly fieldSelector?: string;
  readonly watch?: boolean;
  readonly watchOnly?: boolean;
  readonly showLabels?: boolean;
  readonly noHeaders?: boolean;
}

interface Target {
  readonly entry: ApiResource;
  readonly type: ResourceType;
  readonly names: readonly string[];
}

/** The sentence kubectl writes to stderr when a listing is empty. */
export function noResourcesMessage(namespace: string | undefined, targets: readonly { entry: { namespaced: boolean } }[]): string {
  const namespaced = targets.some((target) => target.entry.namespaced);
  return namespace !== undefined && namespaced ? `No resources found in ${namespace} namespace.` : "No resources found";
}

async function resolveTargets(session: Session, args: readonly string[]): Promise<Target[]> {
  const targets: Target[] = [];
  for (const selection of parseResourceArguments(args)) {
    const entries = selection.names.length > 0 ? [await session.discovery.resolve(selection.typed)] : await session.discovery.resolveMany(selection.typed);
    for (const entry of entries) targets.push({ entry, type: resourceTypeOf(entry), names: selection.names });
  }
  return targets;
}

function listOptions(flags: GetFlags, namespace: string | undefined): ListOptions {
  return {
    ...(namespace === undefined ? {} : { namespace }),
    ...(flags.selector === undefined ? {} : { labelSelector: flags.selector }),
    ...(flags.fieldSelector === undefined ? {} : { fieldSelector: flags.fieldSelector }),
  };
}

function scopedNamespace(target: Target, namespace: string | undefined): string | undefined {
  return target.entry.namespaced ? namespace : undefined;
}

/** The Table of a whole collection, or of the named objects (merged into one). Failed names are reported and counted. */
/** Errors of named objects, printed after what was found, as kubectl does. */
interface Failures {
  readonly messages: string[];
}

async function fetchTable(session: Session, target: Target, flags: GetFlags, namespace: string | undefined, failures: Failures): Promise<Table | undefined> {
  const ns = scopedNamespace(target, namespace);
  if (target.names.length === 0) {
    const query = { labelSelector: flags.selector, fieldSelector: flags.fieldSelector };
    const table = await session.tableClient.request({ method: "GET", path: collectionPath(target.type, ns), query });
    if (!isTable(table)) throw new CliError(`the server did not answer ${target.entry.resource} with a Table`);
    return table;
  }
  let merged: Table | undefined;
  for (const name of target.names) {
    try {
      const table = await session.tableClient.request({ method: "GET", path: objectPath(target.type, name, ns ?? session.namespace) });
      if (!isTable(table)) throw new CliError(`the server did not answer ${target.entry.resource} with a Table`);
      merged = merged === undefined ? table : { ...merged, rows: [...(merged.rows ?? []), ...(table.rows ?? [])] };
    } catch (error) {
      failures.messages.push(errorMessage(error, session.client.servers));
    }
  }
  return merged;
}

async function fetchObjects(session: Session, target: Target, flags: GetFlags, namespace: string | undefined, failures: Failures): Promise<KubeObject[]> {
  const ns = scopedNamespace(target, namespace);
  const withKind = (object: KubeObject): KubeObject => ({ ...object, apiVersion: target.type.apiVersion, kind: target.type.kind });
  if (target.names.length === 0) return (await session.client.list(target.type, listOptions(flags, ns))).items.map(withKind);
  const objects: KubeObject[] = [];
  for (const name of target.names) {
    try {
      objects.push(withKind(await session.client.get(target.type, name, ns ?? session.namespace)));
    } catch (error) {
      failures.messages.push(errorMessage(error, session.client.servers));
    }
  }
  return objects;
}

function printOptions(flags: GetFlags, format: string, prefix: string | undefined, withNamespace: boolean): TablePrintOptions {
  return { wide: format === "wide", withNamespace, ...(prefix === undefined ? {} : { kindPrefix: prefix }), noHeaders: flags.noHeaders === true, showLabels: flags.showLabels === true };
}

export async function runGet(session: Session, args: readonly string[], flags: GetFlags): Promise<number> {
  const format = parseOutputFormat(flags.output);
  const targets = await resolveTargets(session, args);
  const named = targets.some((target) => target.names.length > 0);
  if (named && flags.allNamespaces === true) throw new CliError("a resource cannot be retrieved by name across all namespaces");
  const namespace = flags.allNamespaces === true ? undefined : session.namespace;
  if (flags.watch === true || flags.watchOnly === true) return runWatch(session, targets, flags, namespace, format);
  const failures: Failures = { messages: [] };
  let printed = 0;
  if (format === "table" || format === "wide") {
    const blocks: string[] = [];
    for (const target of targets) {
      const table = await fetchTable(session, target, flags, namespace, failures);
      if (table === undefined || (table.rows ?? []).length === 0) continue;
      printed += (table.rows ?? []).length;
      const prefix = targets.length > 1 ? kindPrefix(target.entry) : undefined;
      blocks.push(alignRows(tableCells(table, printOptions(flags, format, prefix, flags.allNamespaces === true && target.entry.namespaced))).join("\n"));
    }
    if (blocks.length > 0) session.io.out(blocks.join("\n\n"));
  } else {
    const objects: KubeObject[] = [];
    const prefixes: string[] = [];
    for (const target of targets) {
      for (const object of await fetchObjects(session, target, flags, namespace, failures)) {
        objects.push(object);
        prefixes.push(kindPrefix(target.entry));
      }
    }
    printed = objects.length;
    if (format === "name") {
      if (objects.length > 0) session.io.out(objects.map((object, index) => `${prefixes[index] ?? ""}/${object.metadata.name ?? ""}`).join("\n"));
    } else if (objects.length > 0 || !named) {
      const single = targets.length === 1 && targets[0]?.names.length === 1;
      session.io.out(formatObjects(format, objects, single));
    }
  }
  if (printed === 0 && !named && (format === "table" || format === "wide" || format === "name")) session.io.err(noResourcesMessage(namespace, targets));
  for (const message of failures.messages) session.io.err(message);
  return failures.messages.length > 0 ? 1 : 0;
}

/** get -w: the current rows, then one row per change, aligned with the first block. */
async function runWatch(session: Session, targets: readonly Target[], flags: GetFlags, namespace: string | undefined, format: string): Promise<number> {
  const target = targets[0];
  if (target === undefined || targets.length > 1) throw new CliError(`watch is only supported on individual resources and resource collections, but ${targets.length} resources were found`);
  if (target.names.length > 1) throw new CliError("watch is only supported on individual resources and resource collections, but multiple names were given");
  if (format !== "table" && format !== "wide") throw new CliError("kubectl-lite get -w prints tables only (drop -o)");
  const nameSelector = target.names[0] === undefined ? undefined : `metadata.name=${target.names[0]}`;
  const fieldSelector = [flags.fieldSelector, nameSelector].filter((s): s is string => s !== undefined).join(",");
  const watchFlags: GetFlags = { ...flags, ...(fieldSelector === "" ? {} : { fieldSelector }) };
  const withNamespace = flags.allNamespaces === true && target.entry.namespaced;
  const listTarget: Target = { ...target, names: [] };
  const first = await fetchTable(session, listTarget, watchFlags, namespace, { messages: [] });
  const options = printOptions(flags, format, undefined, withNamespace);
  let columns = first?.columnDefinitions ?? [];
  let widths: number[] = [];
  if (first !== undefined && flags.watchOnly !== true) {
    const rows = tableCells(first, options);
    widths = columnWidths(rows);
    session.io.out(alignRows(rows, widths).join("\n"));
  }
  let resourceVersion = first?.metadata?.resourceVersion ?? "0";
  const signal = session.io.signal ?? new AbortController().signal;
  const ns = scopedNamespace(target, namespace);
  while (!signal.aborted) {
    const stream = session.tableClient.watch(target.type, { ...listOptions(watchFlags, ns), resourceVersion, allowWatchBookmarks: true }, signal);
    try {
      for await (const event of stream) {
        const table = event.object as unknown;
        resourceVersion = (table as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion ?? resourceVersion;
        if (event.type === "BOOKMARK" || !isTable(table)) continue;
        if (table.columnDefinitions !== null && table.columnDefinitions.length > 0) columns = table.columnDefinitions;
        const rows = tableCells(table, { ...options, noHeaders: true }, columns);
        widths = columnWidths(rows, widths);
        if (rows.length > 0) session.io.out(alignRows(rows, widths).join("\n"));
      }
    } catch (error) {
      if (signal.aborted) break;
      throw error;
    }
  }
  return 0;
}
