// Asking a running cluster how it is: store members' status, component /status, apiserver
// readiness. Every probe has a short timeout and answers undefined instead of throwing, so a dead
// component shows as down rather than breaking the screen.
import http from "node:http";

export interface StoreMemberStatus {
  readonly memberId: string;
  readonly leaderId: string;
  readonly raftTerm: string;
  readonly raftIndex: string;
  readonly raftAppliedIndex: string;
}

const agent = new http.Agent({ keepAlive: true, timeout: 4_000 });

/**
 * One HTTP request on node:http: status and body, or undefined when nothing answered in time.
 * Not fetch: Node's fetch costs a process about 0.25 s of CPU the first time (it compiles its
 * WebAssembly HTTP parser), and `kube-lite up` polls while a dozen processes start on two CPUs.
 */
export function httpRequest(url: string, options: { method?: string; body?: string; timeoutMs?: number } = {}): Promise<{ status: number; text: string } | undefined> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
    const request = http.request(url, { method: options.method ?? "GET", headers, agent, timeout: options.timeoutMs ?? 2_500 });
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", () => resolve(undefined));
    request.on("response", (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("error", () => resolve(undefined));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.end(options.body);
  });
}

async function fetchJson(url: string, init: { method?: string; body?: string } = {}, timeoutMs = 2_500): Promise<unknown> {
  const answer = await httpRequest(url, { ...init, timeoutMs });
  if (answer === undefined || answer.status < 200 || answer.status > 299) return undefined;
  try {
    return JSON.parse(answer.text) as unknown;
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
  return (await httpRequest(`${url}/readyz`))?.status === 200;
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

/** Nodes and their pods (counted only if `withPods`), from the first apiserver that answers. */
export async function nodeSummaries(apiservers: readonly string[], withPods = true): Promise<NodeSummary[] | undefined> {
  for (const url of apiservers) {
    const nodes = (await fetchJson(`${url}/api/v1/nodes`)) as NodeList | undefined;
    if (nodes === undefined) continue;
    const pods = withPods ? (((await fetchJson(`${url}/api/v1/pods?fieldSelector=spec.nodeName!%3D`)) as PodList | undefined)?.items ?? []) : [];
    return nodes.items.map((node) => ({
      name: node.metadata.name,
      ready: node.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "Unknown",
      unschedulable: node.spec?.unschedulable === true,
      pods: pods.filter((p) => p.spec?.nodeName === node.metadata.name && p.metadata.deletionTimestamp === undefined).length,
    }));
  }
  return undefined;
}
