// The apiserver over a 3-member store while the store fails: kill -9 of the store leader under
// writes (every acknowledged create survives, writes resume), and a store with no quorum
// (503 with Retry-After, not a hang or a 500; back to normal when the quorum returns).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServerProcess, type ApiServerProcess } from "./support/apiserver-process.js";
import { startStoreCluster, type StoreCluster } from "./support/store-cluster.js";

let cluster: StoreCluster;
let apiserver: ApiServerProcess;

beforeAll(async () => {
  cluster = await startStoreCluster({ members: 3 });
  apiserver = await startApiServerProcess(cluster.endpoints);
}, 60_000);

afterAll(async () => {
  await apiserver?.stop();
  await cluster?.stop();
});

async function createConfigMap(name: string): Promise<number> {
  const response = await fetch(`${apiserver.url}/api/v1/namespaces/default/configmaps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { n: name } }),
    signal: AbortSignal.timeout(20_000),
  }).catch(() => undefined);
  return response?.status ?? 0;
}

describe("apiserver while the store fails", () => {
  it("keeps every acknowledged create across kill -9 of the store leader, and writes resume", async () => {
    const acknowledged: string[] = [];
    const answers = new Map<number, number>();
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const name = `cm-${i}`;
        const status = await createConfigMap(name);
        answers.set(status, (answers.get(status) ?? 0) + 1);
        if (status === 201) acknowledged.push(name);
      }
    })();
    while (acknowledged.length < 20) await new Promise((resolve) => setTimeout(resolve, 20));
    await cluster.kill(await cluster.leader());
    const atKill = acknowledged.length;
    const deadline = Date.now() + 15_000;
    while (acknowledged.length < atKill + 20 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    stop = true;
    await writer;
    expect(acknowledged.length).toBeGreaterThanOrEqual(atKill + 20);
    // Only 201, or a retryable 5xx (503/504) during the failover: never a 500.
    for (const status of answers.keys()) expect([201, 503, 504]).toContain(status);
    const list = (await (await fetch(`${apiserver.url}/api/v1/namespaces/default/configmaps`)).json()) as { items: { metadata: { name: string } }[] };
    const stored = new Set(list.items.map((item) => item.metadata.name));
    for (const name of acknowledged) expect(stored.has(name)).toBe(true);
  }, 60_000);

  it("answers 503 with Retry-After while the store has no quorum, and recovers", async () => {
    const down = cluster.members.filter((m) => m.process !== undefined && m.process.exitCode === null && m.process.signalCode === null).map((m) => m.name);
    for (const name of down.slice(0, 2)) await cluster.kill(name);
    const response = await fetch(`${apiserver.url}/api/v1/namespaces/default/configmaps/cm-0`, { signal: AbortSignal.timeout(30_000) });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    const status = (await response.json()) as { kind: string; reason: string };
    expect(status).toMatchObject({ kind: "Status", reason: "ServiceUnavailable" });
    for (const member of cluster.members) if (member.process === undefined || member.process.exitCode !== null || member.process.signalCode !== null) await cluster.restart(member.name);
    await cluster.leader(15_000);
    expect(await createConfigMap("after-recovery")).toBe(201);
    expect((await fetch(`${apiserver.url}/readyz`)).status).toBe(200);
  }, 60_000);
});
