// kubectl cordon, uncordon and drain. Drain's choice of pods is pure (drainPlan): DaemonSet
// pods stay (with --ignore-daemonsets), mirror pods stay, pods without a controller need
// --force, pods with emptyDir data need --delete-emptydir-data; finished pods always go. The
// apiserver serves no pods/eviction, so pods are deleted, as kubectl does without the Eviction API.
import { isNotFound, resourceTypes, type Node, type Pod } from "../client/index.js";
import { CliError } from "./cli-error.js";
import { errorMessage } from "./error-message.js";
import { referenceOf, type ObjectReference } from "./object-references.js";
import type { Session } from "./session.js";
import { waitUntilGone } from "./wait.js";

const mirrorPodAnnotation = "kubernetes.io/config.mirror";

export interface DrainFlags {
  readonly ignoreDaemonsets?: boolean;
  readonly deleteEmptydirData?: boolean;
  readonly force?: boolean;
  readonly gracePeriod?: string;
  readonly timeout?: string;
}

export interface DrainPlan {
  /** Pods to delete, "namespace/name". */
  readonly remove: readonly Pod[];
  readonly warnings: readonly string[];
  /** Reasons the drain cannot go on; empty when it can. */
  readonly errors: readonly string[];
}

function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
}

type PodWithVolumes = Pod & { spec: { volumes?: { emptyDir?: unknown }[] } };

/** kubectl drain's pod filters, in its order, with its messages. */
export function drainPlan(pods: readonly Pod[], flags: DrainFlags): DrainPlan {
  const remove: Pod[] = [];
  const groups = new Map<string, string[]>();
  const note = (message: string, pod: Pod): void => {
    groups.set(message, [...(groups.get(message) ?? []), podKey(pod)]);
  };
  const errors: string[] = [];
  const warningsOf: string[] = [];
  for (const pod of pods) {
    const finished = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
    const controller = pod.metadata.ownerReferences?.find((owner) => owner.controller === true);
    if (pod.metadata.annotations?.[mirrorPodAnnotation] !== undefined) continue;
    if (!finished && controller?.kind === "DaemonSet") {
      note(flags.ignoreDaemonsets === true ? "Warning: ignoring DaemonSet-managed Pods" : "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)", pod);
      continue;
    }
    if (!finished && controller === undefined) {
      note(flags.force === true ? "Warning: deleting Pods that declare no controller" : "cannot delete Pods that declare no controller (use --force to override)", pod);
      if (flags.force !== true) continue;
    }
    const emptyDir = ((pod as PodWithVolumes).spec.volumes ?? []).some((volume) => volume.emptyDir !== undefined);
    if (!finished && emptyDir) {
      note(flags.deleteEmptydirData === true ? "Warning: deleting Pods with local storage" : "cannot delete Pods with local storage (use --delete-emptydir-data to override)", pod);
      if (flags.deleteEmptydirData !== true) continue;
    }
    remove.push(pod);
  }
  for (const [message, keys] of groups) (message.startsWith("Warning") ? warningsOf : errors).push(`${message}: ${keys.join(", ")}`);
  return { remove: errors.length > 0 ? [] : remove, warnings: warningsOf, errors };
}

/** Sets spec.unschedulable; prints "node/NAME cordoned" or "already cordoned". */
async function setUnschedulable(session: Session, name: string, unschedulable: boolean): Promise<void> {
  const node = await session.client.get<Node>(resourceTypes.nodes, name);
  const word = unschedulable ? "cordoned" : "uncordoned";
  if ((node.spec?.unschedulable === true) === unschedulable) {
    session.io.out(`node/${name} already ${word}`);
    return;
  }
  await session.client.patch(resourceTypes.nodes, name, { spec: { unschedulable: unschedulable ? true : null } }, { patchType: "merge" });
  session.io.out(`node/${name} ${word}`);
}

export async function runCordon(session: Session, names: readonly string[], unschedulable: boolean): Promise<number> {
  if (names.length === 0) throw new CliError("USAGE: cordon NODE [flags]");
  let exitCode = 0;
  for (const name of names) {
    try {
      await setUnschedulable(session, name, unschedulable);
    } catch (error) {
      session.io.err(errorMessage(error, session.client.servers));
      exitCode = 1;
    }
  }
  return exitCode;
}

export async function runDrain(session: Session, name: string, flags: DrainFlags): Promise<number> {
  await setUnschedulable(session, name, true);
  const pods = (await session.client.list<Pod>(resourceTypes.pods, { fieldSelector: `spec.nodeName=${name}` })).items;
  const plan = drainPlan(pods, flags);
  if (plan.errors.length > 0) {
    session.io.err(`error: unable to drain node "${name}" due to error: ${plan.errors.join(", ")}, continuing command...`);
    session.io.err(`There are pending nodes to be drained:\n ${name}`);
    for (const error of plan.errors) session.io.err(error);
    return 1;
  }
  for (const warning of plan.warnings) session.io.err(warning);
  const grace = flags.gracePeriod === undefined || Number(flags.gracePeriod) < 0 ? undefined : Number(flags.gracePeriod);
  const deleted: ObjectReference[] = [];
  const podEntry = await session.discovery.resolve("pods");
  for (const pod of plan.remove) {
    const reference = referenceOf(podEntry, pod.metadata.name ?? "", pod.metadata.namespace ?? "default");
    try {
      await session.client.delete(resourceTypes.pods, reference.name, { namespace: reference.namespace, ...(grace === undefined ? {} : { gracePeriodSeconds: grace }) });
    } catch (error) {
      // A pod that went away since the listing (its ReplicaSet replaced it) is drained already.
      if (!isNotFound(error)) throw error;
    }
    deleted.push(reference);
  }
  await waitUntilGone(session, deleted, flags.timeout);
  for (const reference of deleted) session.io.out(`pod/${reference.name} deleted`);
  session.io.out(`node/${name} drained`);
  return 0;
}
