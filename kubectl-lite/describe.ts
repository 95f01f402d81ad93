// kubectl describe TYPE [NAME_PREFIX] (or TYPE/NAME): reads the object, what it relates to
// (a deployment's ReplicaSets, a replica set's or node's pods, a service's endpoints) and
// its events, and prints describe-kinds' layout. A name that matches no object exactly is a
// prefix, as kubectl takes it.
import { isNotFound, resourceTypes, type CoreEvent, type KubeObject, type Lease, type Node, type Pod } from "../client/index.js";
import { describeDeployment, describeGeneric, describeNamespace, describeNode, describePod, describeReplicaSet, describeService, type DescribeContext } from "./describe-kinds.js";
import { resourceTypeOf, type ApiResource } from "./discovery.js";
import { errorMessage } from "./error-message.js";
import { parseResourceArguments } from "./resource-arguments.js";
import { ownedReplicaSets, type Deployment, type ReplicaSet } from "./workloads.js";
import type { Session } from "./session.js";

export interface DescribeFlags {
  readonly selector?: string;
  readonly allNamespaces?: boolean;
}

async function eventsOf(session: Session, entry: ApiResource, object: KubeObject): Promise<CoreEvent[]> {
  const { name, namespace, uid } = object.metadata;
  const fieldSelector = [`involvedObject.name=${name ?? ""}`, `involvedObject.kind=${entry.kind}`, ...(namespace === undefined ? [] : [`involvedObject.namespace=${namespace}`])].join(",");
  const list = await session.client.list<CoreEvent>(resourceTypes.events, { ...(namespace === undefined ? {} : { namespace }), fieldSelector });
  // kubectl selects on involvedObject.uid too: events of an earlier object of the same name are not this one's.
  return list.items.filter((event) => uid === undefined || event.involvedObject.uid === uid);
}

async function contextFor(session: Session, entry: ApiResource, object: KubeObject): Promise<DescribeContext> {
  const base = { events: await eventsOf(session, entry, object), nowMs: session.io.now() };
  const namespace = object.metadata.namespace;
  if (entry.kind === "Deployment") {
    const replicaSets = await session.client.list<ReplicaSet>(resourceTypes.replicasets, { ...(namespace === undefined ? {} : { namespace }) });
    return { ...base, replicaSets: ownedReplicaSets(object as Deployment, replicaSets.items) };
  }
  if (entry.kind === "ReplicaSet") {
    const pods = await session.client.list<Pod>(resourceTypes.pods, { ...(namespace === undefined ? {} : { namespace }) });
    return { ...base, pods: pods.items.filter((pod) => pod.metadata.ownerReferences?.some((owner) => owner.uid === object.metadata.uid) === true) };
  }
  if (entry.kind === "Node") {
    const pods = await session.client.list<Pod>(resourceTypes.pods, { fieldSelector: `spec.nodeName=${object.metadata.name ?? ""}` });
    try {
      return { ...base, pods: pods.items, lease: await session.client.get<Lease>(resourceTypes.leases, object.metadata.name ?? "", "kube-node-lease") };
    } catch (error) {
      if (!isNotFound(error)) throw error;
      return { ...base, pods: pods.items };
    }
  }
  if (entry.kind === "Service" && namespace !== undefined) {
    try {
      return { ...base, endpoints: await session.client.get(resourceTypes.endpoints, object.metadata.name ?? "", namespace) };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return base;
}

/** The text of one object, by its kind's describer. */
export function describeObject(kind: string, object: KubeObject, context: DescribeContext): string {
  switch (kind) {
    case "Pod":
      return describePod(object as Pod, context);
    case "Deployment":
      return describeDeployment(object as Deployment, context);
    case "ReplicaSet":
      return describeReplicaSet(object as ReplicaSet, context);
    case "Node":
      return describeNode(object as Node, context);
    case "Service":
      return describeService(object, context);
    case "Namespace":
      return describeNamespace(object);
    default:
      return describeGeneric(object as KubeObject & Record<string, unknown>, context);
  }
}

async function objectsFor(session: Session, entry: ApiResource, name: string | undefined, flags: DescribeFlags): Promise<KubeObject[]> {
  const type = resourceTypeOf(entry);
  const namespace = entry.namespaced && flags.allNamespaces !== true ? session.namespace : undefined;
  if (name !== undefined) {
    try {
      return [await session.client.get(type, name, namespace)];
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const all = await session.client.list(type, { ...(namespace === undefined ? {} : { namespace }) });
      const prefixed = all.items.filter((item) => item.metadata.name?.startsWith(name) === true);
      if (prefixed.length === 0) throw error;
      return prefixed;
    }
  }
  const list = await session.client.list(type, { ...(namespace === undefined ? {} : { namespace }), ...(flags.selector === undefined ? {} : { labelSelector: flags.selector }) });
  return list.items;
}

export async function runDescribe(session: Session, args: readonly string[], flags: DescribeFlags): Promise<number> {
  const texts: string[] = [];
  let exitCode = 0;
  for (const selection of parseResourceArguments(args)) {
    const entry = await session.discovery.resolve(selection.typed);
    const names = selection.names.length === 0 ? [undefined] : selection.names;
    for (const name of names) {
      try {
        for (const object of await objectsFor(session, entry, name, flags)) texts.push(describeObject(entry.kind, object, await contextFor(session, entry, object)));
      } catch (error) {
        session.io.err(errorMessage(error, session.client.servers));
        exitCode = 1;
      }
    }
  }
  if (texts.length > 0) session.io.out(texts.join("\n\n\n"));
  else if (exitCode === 0) session.io.err(`No resources found in ${session.namespace} namespace.`);
  return exitCode;
}
