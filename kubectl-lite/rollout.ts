// kubectl rollout status|history|undo|restart|pause|resume for deployments. The decisions
// (what status says, which revision to go back to, what the template becomes) are pure; the
// verbs read, decide and write.
import { resourceTypes } from "../client/index.js";
import { CliError } from "./cli-error.js";
import { parseResourceArguments } from "./resource-arguments.js";
import type { Session } from "./session.js";
import { describePodTemplate } from "./describe-kinds.js";
import { DescribeWriter } from "./describe-writer.js";
import { tabwrite } from "./tabwriter.js";
import { deadlineOf, pause } from "./wait.js";
import { ownedReplicaSets, revisionOf, withoutTemplateHash, type Deployment, type PodTemplate, type ReplicaSet } from "./workloads.js";

export { revisionAnnotation, type Deployment, type ReplicaSet } from "./workloads.js";

const changeCauseAnnotation = "kubernetes.io/change-cause";
export const restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";

export interface RolloutStatus {
  readonly message: string;
  readonly done: boolean;
}

/** kubectl's DeploymentStatusViewer: the line to print, and whether the rollout is over. Throws past the progress deadline. */
export function deploymentRolloutStatus(deployment: Deployment): RolloutStatus {
  const name = deployment.metadata.name ?? "";
  const status = deployment.status ?? {};
  if ((deployment.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) return { message: "Waiting for deployment spec update to be observed...", done: false };
  const progressing = status.conditions?.find((condition) => condition.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") throw new CliError(`deployment "${name}" exceeded its progress deadline`);
  const wanted = deployment.spec.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < wanted) return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${wanted} new replicas have been updated...`, done: false };
  if (replicas > updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...`, done: false };
  if (available < updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`, done: false };
  return { message: `deployment "${name}" successfully rolled out`, done: true };
}

export function historyLines(replicaSets: readonly ReplicaSet[]): string[] {
  const rows = replicaSets.filter((rs) => revisionOf(rs) > 0).map((rs) => `${revisionOf(rs)}\t${rs.metadata.annotations?.[changeCauseAnnotation] ?? "<none>"}`);
  return tabwrite(["REVISION\tCHANGE-CAUSE", ...rows], { minWidth: 0, padding: 2 });
}

/** Canonical JSON (sorted keys), so that equal templates compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const entries = Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(",")}}`;
}

export type UndoPlan = { readonly kind: "rollback"; readonly template: PodTemplate; readonly revision: number } | { readonly kind: "skip"; readonly revision: number };

/** kubectl's rollback: the RS of --to-revision (0: the newest one before the current), its template minus the hash label. */
export function planUndo(deployment: Deployment, replicaSets: readonly ReplicaSet[], toRevision: number): UndoPlan {
  const owned = ownedReplicaSets(deployment, replicaSets);
  const current = revisionOf(deployment);
  let target: ReplicaSet | undefined;
  if (toRevision === 0) {
    target = [...owned].reverse().find((rs) => revisionOf(rs) > 0 && revisionOf(rs) !== current);
    if (target === undefined) throw new CliError(`no rollout history found for deployment "${deployment.metadata.name ?? ""}"`);
  } else {
    target = owned.find((rs) => revisionOf(rs) === toRevision);
    if (target === undefined) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  }
  const template = withoutTemplateHash(target.spec.template);
  if (canonical(template) === canonical(withoutTemplateHash(deployment.spec.template))) return { kind: "skip", revision: revisionOf(target) };
  return { kind: "rollback", template, revision: revisionOf(target) };
}

/** `deployment/web`, `deploy web` or `deployments.apps/web`: the one deployment a rollout verb works on. */
async function deploymentName(session: Session, args: readonly string[]): Promise<string> {
  const selections = parseResourceArguments(args);
  const selection = selections[0];
  const name = selection?.names[0];
  if (selection === undefined || name === undefined || selections.length > 1 || selection.names.length > 1) throw new CliError("rollout works on one deployment: deployment/NAME");
  const entry = await session.discovery.resolve(selection.typed);
  if (entry.kind !== "Deployment") throw new CliError(`no status viewer has been implemented for ${entry.kind}`);
  return name;
}

export interface RolloutStatusFlags {
  readonly watch?: boolean;
  readonly timeout?: string;
}

const statusPollMs = 500;

export async function runRolloutStatus(session: Session, args: readonly string[], flags: RolloutStatusFlags): Promise<number> {
  const name = await deploymentName(session, args);
  const deadline = deadlineOf(session, flags.timeout);
  let last = "";
  for (;;) {
    const deployment = await session.client.get<Deployment>(resourceTypes.deployments, name, session.namespace);
    const status = deploymentRolloutStatus(deployment);
    // kubectl prints each status it sees; the same line twice in a row says nothing new.
    if (status.message !== last) session.io.out(status.message);
    last = status.message;
    if (status.done || flags.watch === false) return 0;
    if (session.io.signal?.aborted === true) return 1;
    if (deadline !== undefined && session.io.now() >= deadline) throw new CliError("timed out waiting for the condition");
    await waitForChange(session, deployment, statusPollMs);
  }
}

/** Until the deployment changes (a watch event) or `ms` pass, whichever comes first. */
async function waitForChange(session: Session, deployment: Deployment, ms: number): Promise<void> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  session.io.signal?.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => stop.abort(), ms);
  try {
    const options = { namespace: session.namespace, fieldSelector: `metadata.name=${deployment.metadata.name ?? ""}`, resourceVersion: deployment.metadata.resourceVersion ?? "0" };
    for await (const event of session.client.watch(resourceTypes.deployments, options, stop.signal)) {
      if (event.type !== "BOOKMARK") return;
    }
  } catch {
    // A watch that failed is no reason to stop waiting: read again after the pause.
    if (!stop.signal.aborted) await pause(session, ms);
  } finally {
    clearTimeout(timer);
    session.io.signal?.removeEventListener("abort", onAbort);
  }
}

async function deploymentAndReplicaSets(session: Session, name: string): Promise<{ deployment: Deployment; replicaSets: ReplicaSet[] }> {
  const deployment = await session.client.get<Deployment>(resourceTypes.deployments, name, session.namespace);
  const list = await session.client.list<ReplicaSet>(resourceTypes.replicasets, { namespace: session.namespace });
  return { deployment, replicaSets: ownedReplicaSets(deployment, list.items) };
}

export async function runRolloutHistory(session: Session, args: readonly string[], revision: number): Promise<number> {
  const name = await deploymentName(session, args);
  const { replicaSets } = await deploymentAndReplicaSets(session, name);
  if (revision > 0) {
    const found = replicaSets.find((rs) => revisionOf(rs) === revision);
    if (found === undefined) throw new CliError(`unable to find the specified revision`);
    const writer = new DescribeWriter();
    describePodTemplate(writer, found.spec.template);
    session.io.out(`deployment.apps/${name} with revision #${revision}\n${writer.raw()}\n`);
    return 0;
  }
  if (!replicaSets.some((rs) => revisionOf(rs) > 0)) {
    session.io.out(`deployment.apps/${name} \nNo rollout history found.`);
    return 0;
  }
  session.io.out(`deployment.apps/${name} \n${historyLines(replicaSets).join("\n")}\n`);
  return 0;
}

export async function runRolloutUndo(session: Session, args: readonly string[], toRevision: number): Promise<number> {
  const name = await deploymentName(session, args);
  const { deployment, replicaSets } = await deploymentAndReplicaSets(session, name);
  if (deployment.spec.paused === true) throw new CliError(`you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again`);
  const plan = planUndo(deployment, replicaSets, toRevision);
  if (plan.kind === "skip") {
    session.io.out(`deployment.apps/${name} skipped rollback (current template already matches revision ${plan.revision})`);
    return 0;
  }
  // A JSON patch that tests the resourceVersion: the template is replaced only on the deployment that was read.
  const patch = [
    { op: "test", path: "/metadata/resourceVersion", value: deployment.metadata.resourceVersion },
    { op: "replace", path: "/spec/template", value: plan.template },
  ];
  await session.client.patch(resourceTypes.deployments, name, patch, { namespace: session.namespace, patchType: "json" });
  session.io.out(`deployment.apps/${name} rolled back`);
  return 0;
}

/** RFC 3339 in UTC without fractions, as Go's time.RFC3339 prints it. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export async function runRolloutRestart(session: Session, args: readonly string[]): Promise<number> {
  const name = await deploymentName(session, args);
  const deployment = await session.client.get<Deployment>(resourceTypes.deployments, name, session.namespace);
  if (deployment.spec.paused === true) throw new CliError(`deployments.apps "${name}" can't restart paused deployment (run rollout resume first)`);
  const patch = { spec: { template: { metadata: { annotations: { [restartedAtAnnotation]: rfc3339(session.io.now()) } } } } };
  await session.client.patch(resourceTypes.deployments, name, patch, { namespace: session.namespace, patchType: "strategic" });
  session.io.out(`deployment.apps/${name} restarted`);
  return 0;
}

export async function runRolloutPause(session: Session, args: readonly string[], paused: boolean): Promise<number> {
  const name = await deploymentName(session, args);
  const deployment = await session.client.get<Deployment>(resourceTypes.deployments, name, session.namespace);
  const word = paused ? "paused" : "resumed";
  if ((deployment.spec.paused === true) === paused) {
    session.io.out(`deployment.apps/${name} already ${word}`);
    return 0;
  }
  await session.client.patch(resourceTypes.deployments, name, { spec: { paused: paused ? true : null } }, { namespace: session.namespace, patchType: "merge" });
  session.io.out(`deployment.apps/${name} ${word}`);
  return 0;
}
