// The README's failover demo, step by step, on real processes: `kube-lite up --fast`, apply
// manifests/demo, pods Running; kill the store leader (writes continue); kill node-2 (its pods
// come back on the other nodes); kill the leading controller-manager (the standby takes over and
// a scale converges); restart what was killed. Each step's time is printed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until, upCluster, type UpCluster } from "./support/kube-lite-up.js";

let cluster: UpCluster;
const timings: string[] = [];

interface PodRow {
  name: string;
  ready: string;
  status: string;
  node: string;
}

beforeAll(async () => {
  const started = Date.now();
  cluster = await upCluster(["--fast"]);
  timings.push(`up: ${/cluster ready in (\S+ s)/.exec(cluster.up.output())?.[1] ?? "?"} (test saw ${Date.now() - started} ms)`);
}, 120_000);

afterAll(async () => {
  console.log(`failover demo timings:\n  ${timings.join("\n  ")}`);
  await cluster?.stop();
}, 30_000);

async function webPods(): Promise<PodRow[]> {
  const { stdout } = await cluster.kubectlLite("get", "pods", "-l", "app=web", "-o", "wide", "--no-headers");
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [name = "", ready = "", status = "", , , , node = ""] = line.trim().split(/\s+/);
      return { name, ready, status, node };
    });
}

const diagnostics = (): string => `${cluster.logs("controller-manager")}\n${cluster.logs("scheduler", 10)}\n--- up\n${cluster.up.output()}`;

const running = (pods: PodRow[]): PodRow[] => pods.filter((p) => p.status === "Running" && p.ready === "1/1");
// Pods evicted from an unreachable node stay Terminating until it returns, as in Kubernetes.
const live = (pods: PodRow[]): PodRow[] => pods.filter((p) => p.status !== "Terminating");

async function step(name: string, action: () => Promise<void>): Promise<void> {
  const started = Date.now();
  await action();
  timings.push(`${name}: ${Date.now() - started} ms`);
}

describe("the failover demo", () => {
  it("applies manifests/demo and the 6 web pods run, spread over the 3 nodes", async () => {
    await step("apply → 6 Running", async () => {
      const applied = await cluster.kubectlLite("apply", "-f", "manifests/demo/");
      expect(applied.stdout).toContain("deployment.apps/web created");
      expect(applied.stdout).toContain("service/web created");
      await until("6 Running web pods", async () => running(await webPods()).length === 6, 60_000, diagnostics);
    });
    expect(new Set(running(await webPods()).map((p) => p.node)).size).toBe(3);
  }, 90_000);

  it("kill store-leader: a new leader, and writes continue", async () => {
    await step("kill store-leader → write accepted", async () => {
      const killed = await cluster.kubeLite("kill", "store-leader");
      expect(killed.code, killed.stdout).toBe(0);
      await until("a scale to be accepted", async () => (await cluster.kubectlLite("scale", "deployment/web", "--replicas=7")).code === 0, 30_000);
      await until("7 Running web pods", async () => running(await webPods()).length === 7, 60_000);
    });
  }, 90_000);

  it("kill node/node-2: its pods come back on the other nodes", async () => {
    await step("kill node/node-2 → pods elsewhere", async () => {
      const killed = await cluster.kubeLite("kill", "node/node-2");
      expect(killed.code, killed.stdout).toBe(0);
      await until("7 Running web pods, none live on node-2", async () => {
        const pods = await webPods();
        return running(pods).length === 7 && live(pods).every((p) => p.node !== "node-2");
      }, 60_000, diagnostics);
    });
  }, 90_000);

  it("kill controller-manager-leader: the standby takes over and a scale converges", async () => {
    await step("kill controller-manager-leader → scale to 4 converges", async () => {
      expect((await cluster.kubeLite("kill", "controller-manager-leader")).code).toBe(0);
      expect((await cluster.kubectlLite("scale", "deployment/web", "--replicas=4")).code).toBe(0);
      await until("4 web pods", async () => {
        const pods = await webPods();
        return live(pods).length === 4 && running(pods).length === 4;
      }, 60_000, diagnostics);
    });
    expect((await cluster.kubeLite("status")).stdout).toMatch(/controller-manager\/\d\s+running\s+yes/);
  }, 90_000);

  it("restart what was killed: everything runs again and node-2 is Ready", async () => {
    await step("restart all → node-2 Ready", async () => {
      for (const target of ["store-leader", "node/node-2", "controller-manager-leader"]) {
        const restarted = await cluster.kubeLite("restart", target);
        expect(restarted.code, restarted.stdout).toBe(0);
      }
      await until("node-2 Ready and nothing down", async () => {
        const { stdout } = await cluster.kubeLite("status");
        return /node-2\s+True/.test(stdout) && !stdout.includes("DOWN");
      }, 60_000);
    });
  }, 90_000);
});
