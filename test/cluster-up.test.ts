// `kube-lite up` as a user meets it: one command to a ready cluster, `status`, `kill` and
// `restart` of the store leader and the scheduler leader, `down`, and a second `up` that
// resumes the cluster's state.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until, upCluster, type UpCluster } from "./support/kube-lite-up.js";

let cluster: UpCluster;

beforeAll(async () => {
  cluster = await upCluster(["--nodes", "2", "--fast"]);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 30_000);

async function createConfigMap(name: string): Promise<number> {
  const response = await fetch(`${cluster.apiserver}/api/v1/namespaces/default/configmaps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "b" } }),
    signal: AbortSignal.timeout(10_000),
  }).catch(() => undefined);
  return response?.status ?? 0;
}

const statusShows = async (pattern: RegExp): Promise<boolean> => pattern.test((await cluster.kubeLite("status")).stdout);
const escape = (name: string): string => name.replace("/", "\\/");

describe("kube-lite up", () => {
  it("says it is ready, with the time it took and what to type next, and writes cluster.json", () => {
    expect(cluster.up.output()).toMatch(/cluster ready in \d+\.\d\d s/);
    expect(cluster.up.output()).toContain("kube-lite kill store-leader");
    const file = JSON.parse(fs.readFileSync(path.join(cluster.dataDir, "cluster.json"), "utf8")) as { components: { name: string; pid: number }[] };
    expect(file.components.map((c) => c.name)).toEqual(
      expect.arrayContaining(["store/s1", "store/s2", "store/s3", "apiserver/1", "apiserver/2", "controller-manager/1", "controller-manager/2", "scheduler/1", "scheduler/2", "node/node-1", "node/node-2"]),
    );
    expect(file.components.every((c) => Number.isInteger(c.pid))).toBe(true);
  });

  it("shows one status screen: store leader, who leads, nodes, timings", async () => {
    const { code, stdout } = await cluster.kubeLite("status");
    expect(code).toBe(0);
    expect(stdout).toMatch(/store\/s\d\s+healthy\s+leader/);
    expect(stdout).toMatch(/scheduler\/\d\s+running\s+yes/);
    expect(stdout).toMatch(/controller-manager\/\d\s+running\s+yes/);
    expect(stdout).toMatch(/node-1\s+True/);
    expect(stdout).toContain("node monitor grace period 5s");
  });

  it("refuses a second up on the same data dir while the first runs", async () => {
    const { code, stdout } = await cluster.kubeLite("up");
    expect(code).toBe(1);
    expect(stdout).toContain("already running");
  });

  it("kills the store leader; writes continue under a new leader; restart brings the member back", async () => {
    const killed = await cluster.kubeLite("kill", "store-leader");
    expect(killed.code).toBe(0);
    const victim = /killed (store\/s\d)/.exec(killed.stdout)?.[1] as string;
    expect(victim).toBeDefined();
    await until("a new store leader", async () => {
      const leader = /(store\/s\d)\s+healthy\s+leader/.exec((await cluster.kubeLite("status")).stdout)?.[1];
      return leader !== undefined && leader !== victim;
    });
    expect(await createConfigMap("after-store-kill")).toBe(201);
    expect(await statusShows(new RegExp(`${escape(victim)}\\s+DOWN \\(SIGKILL\\)`))).toBe(true);
    const restarted = await cluster.kubeLite("restart", "store-leader");
    expect(restarted.stdout).toContain(`restarted ${victim}`);
    await until(`${victim} healthy again`, () => statusShows(new RegExp(`${escape(victim)}\\s+healthy`)));
  }, 60_000);

  it("kills the scheduler leader; the other replica takes over", async () => {
    const killed = await cluster.kubeLite("kill", "scheduler-leader");
    const victim = /killed (scheduler\/\d)/.exec(killed.stdout)?.[1] as string;
    expect(victim).toBeDefined();
    await until("the other scheduler to lead", async () => {
      const leader = /(scheduler\/\d)\s+running\s+yes/.exec((await cluster.kubeLite("status")).stdout)?.[1];
      return leader !== undefined && leader !== victim;
    });
    expect((await cluster.kubeLite("kill", "nobody")).stdout).toContain("unknown target 'nobody'");
  }, 30_000);

  it("down stops everything; a second up resumes the same state", async () => {
    expect((await cluster.kubeLite("down")).code).toBe(0);
    expect(await cluster.up.exited).toBe(0);
    expect(fs.existsSync(path.join(cluster.dataDir, "cluster.json"))).toBe(false);
    expect((await cluster.kubeLite("status")).stdout).toContain("no cluster is running");
    await cluster.start();
    expect(cluster.up.output()).toContain("resuming");
    const response = await fetch(`${cluster.apiserver}/api/v1/namespaces/default/configmaps/after-store-kill`);
    expect(response.status).toBe(200);
  }, 120_000);
});
