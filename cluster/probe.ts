// Asking a running cluster how it is: store members' status, component /status, apiserver
// readiness. Every probe has a short timeout and answers undefined instead of throwing, so a dead
// component shows as down rather than breaking the screen.

export interface StoreMemberStatus {
  readonly memberId: string;
  readonly leaderId: string;
  readonly raftTerm: string;
  readonly raftIndex: string;
  readonly raftAppliedIndex: string;
}

async function fetchJson(url: string, init: RequestInit = {}, timeoutMs = 2_500): Promise<unknown> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}

export async function storeStatus(clientUrl: string): Promise<StoreMemberStatus | undefined> {
  const body = (await fetchJson(`${clientUrl}/v3/maintenance/status`, { method: "POST", body: "{}" })) as
    | { header?: { member_id?: string; raft_term?: string }; leader?: string; raftIndex?: string; raftTerm?: string; raftAppliedIndex?: string }
    | undefined;
  if (body?.header?.member_id === undefined) return undefined;
  return {
    memberId: body.header.member_id,
    leaderId: body.leader ?? "0",
    raftTerm: body.raftTerm ?? body.header.raft_term ?? "0",
    raftIndex: body.raftIndex ?? "0",
    raftAppliedIndex: body.raftAppliedIndex ?? "0",
  };
}

/** GET /status of a controller-manager or scheduler replica. */
export async function componentStatus(url: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (url === undefined) return undefined;
  return (await fetchJson(`${url}/status`)) as Record<string, unknown> | undefined;
}

export async function apiserverReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_500) });
    return response.ok;
  } catch {
    return false;
  }
}

interface NodeList {
  items: { metadata: { name: string }; spec?: { unschedulable?: boolean }; status?: { conditions?: { type: string; status: string }[] } }[];
}

interface PodList {
  items: { spec?: { nodeName?: string }; metadata: { deletionTimestamp?: string } }[];
}

export interface NodeSummary {
  readonly name: string;
  readonly ready: string;
  readonly unschedulable: boolean;
  readonly pods: number;
}

/** Nodes and their pods, from the first apiserver that answers. */
export async function nodeSummaries(apiservers: readonly string[]): Promise<NodeSummary[] | undefined> {
  for (const url of apiservers) {
    const nodes = (await fetchJson(`${url}/api/v1/nodes`)) as NodeList | undefined;
    if (nodes === undefined) continue;
    const pods = ((await fetchJson(`${url}/api/v1/pods?fieldSelector=spec.nodeName!%3D`)) as PodList | undefined)?.items ?? [];
    return nodes.items.map((node) => ({
      name: node.metadata.name,
      ready: node.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "Unknown",
      unschedulable: node.spec?.unschedulable === true,
      pods: pods.filter((p) => p.spec?.nodeName === node.metadata.name && p.metadata.deletionTimestamp === undefined).length,
    }));
  }
  return undefined;
}
