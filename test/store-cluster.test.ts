// End-to-end: a 3-member kube-lite store cluster as real processes, killed with -9.
import { type ChildProcess, spawn } from "node:child_process";
import Database from "better-sqlite3";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StoreCluster } from "./support/store-cluster.js";
import { freePort, startStoreCluster } from "./support/store-cluster.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");
const unb64 = (text: string) => Buffer.from(text, "base64").toString();

async function post(endpoint: string, path: string, body: unknown, timeoutMs = 3000): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${endpoint}${path}`, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A put that either is acknowledged (true) or certainly or possibly failed (false). */
async function put(endpoint: string, key: string, value: string): Promise<boolean> {
  try {
    const { status } = await post(endpoint, "/v3/kv/put", { key: b64(key), value: b64(value) });
    return status === 200;
  } catch {
    return false;
  }
}

async function getAll(endpoint: string, prefix: string): Promise<Map<string, string>> {
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const { status, json } = await post(endpoint, "/v3/kv/range", { key: b64(prefix), range_end: b64(end) }, 10_000);
  expect(status).toBe(200);
  const kvs = (json.kvs ?? []) as { key: string; value?: string }[];
  return new Map(kvs.map((kv) => [unb64(kv.key), unb64(kv.value ?? "")]));
}

/** Retries a request until it succeeds (the cluster may be electing). */
async function eventually<T>(what: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await what();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe("store cluster (real processes)", () => {
  let cluster: StoreCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it("loses no acknowledged write when the leader is killed -9, and elects a new one within seconds", async () => {
    cluster = await startStoreCluster();
    const c = cluster;
    const oldLeader = await c.leader();
    const acked = new Map<string, string>();
    let stop = false;
    let killedAt = 0;
    let firstWriteAfterKill = 0;
    // Three writers, one per member, so most writes go through followers.
    const writers = c.members.map(async (member, w) => {
      for (let i = 0; !stop; i += 1) {
        const key = `/e2e/kill/${w}/${i}`;
        if (member.process === undefined) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        if (await put(member.clientUrl, key, `v${i}`)) {
          acked.set(key, `v${i}`);
          if (killedAt > 0 && firstWriteAfterKill === 0) firstWriteAfterKill = Date.now();
        }
      }
    });
    await eventually(async () => {
      if (acked.size < 100) throw new Error("warming up");
    });
    killedAt = Date.now();
    await c.kill(oldLeader);
    const ackedAtKill = acked.size;
    await eventually(async () => {
      if (acked.size < ackedAtKill + 100) throw new Error("no progress after the kill");
    });
    stop = true;
    await Promise.all(writers);
    const newLeader = await c.leader();
    expect(newLeader).not.toBe(oldLeader);
    expect(firstWriteAfterKill - killedAt).toBeLessThan(5000);
    const survivor = c.members.find((m) => m.process !== undefined);
    const stored = await getAll(survivor?.clientUrl ?? "", "/e2e/kill/");
    for (const [key, value] of acked) expect(stored.get(key), key).toBe(value);
  }, 60_000);

  it("keeps every acknowledged write across kill -9 of all members", async () => {
    cluster = await startStoreCluster();
    const c = cluster;
    await c.leader();
    const acked = new Map<string, string>();
    await Promise.all(
      c.members.map(async (member, w) => {
        for (let i = 0; i < 50; i += 1) if (await put(member.clientUrl, `/e2e/all/${w}/${i}`, `v${i}`)) acked.set(`/e2e/all/${w}/${i}`, `v${i}`);
      }),
    );
    expect(acked.size).toBe(150);
    await Promise.all(c.members.map((m) => c.kill(m.name)));
    await Promise.all(c.members.map((m) => c.restart(m.name)));
    await c.leader();
    for (const member of c.members) {
      const stored = await eventually(() => getAll(member.clientUrl, "/e2e/all/"));
      expect(stored.size).toBe(150);
      for (const [key, value] of acked) expect(stored.get(key), key).toBe(value);
    }
  }, 60_000);

  it("reads data dirs written by the earlier layout (the Raft log in member.db, request ids in a rowid table, the applied index in server_state)", async () => {
    cluster = await startStoreCluster();
    const c = cluster;
    await c.leader();
    for (let i = 0; i < 30; i += 1) expect(await put(c.members[i % 3]?.clientUrl ?? "", `/e2e/layout/${i}`, `v${i}`)).toBe(true);
    await Promise.all(c.members.map((m) => c.kill(m.name)));
    const idsBefore: number[] = [];
    for (const member of c.members) {
      const db = new Database(path.join(member.dataDir, "member.db"));
      const raftDb = path.join(member.dataDir, "raft.db");
      db.exec(`
        ATTACH DATABASE '${raftDb}' AS r;
        CREATE TABLE raft_log (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, data BLOB NOT NULL);
        CREATE TABLE raft_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO raft_log SELECT idx, term, data FROM r.raft_log;
        INSERT INTO raft_meta SELECT key, value FROM r.raft_meta;
        DETACH DATABASE r;
        CREATE TABLE server_requests (id TEXT PRIMARY KEY, idx INTEGER NOT NULL);
        CREATE INDEX server_requests_idx ON server_requests (idx);
        INSERT INTO server_requests (id, idx) SELECT id, idx FROM server_request_ids;
        DROP TABLE server_request_ids;
        CREATE TABLE server_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO server_state (key, value) VALUES ('applied', (SELECT applied_index FROM mvcc_meta));
      `);
      idsBefore.push((db.prepare("SELECT count(*) AS n FROM server_requests").get() as { n: number }).n);
      db.close();
      for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${raftDb}${suffix}`, { force: true });
    }
    await Promise.all(c.members.map((m) => c.restart(m.name)));
    const leader = await c.leader();
    expect(await put(c.members.find((m) => m.name === leader)?.clientUrl ?? "", "/e2e/layout/after", "x")).toBe(true);
    for (const member of c.members) {
      const stored = await eventually(async () => {
        const all = await getAll(member.clientUrl, "/e2e/layout/");
        if (all.size !== 31) throw new Error(`${member.name} has ${all.size} keys`);
        return all;
      });
      expect(stored.get("/e2e/layout/7")).toBe("v7");
    }
    // A clean stop commits the MVCC state's open batch (a kill -9 may leave its last 100 ms to the log).
    await Promise.all(c.members.map((m) => c.kill(m.name, "SIGTERM")));
    c.members.forEach((member, i) => {
      const db = new Database(path.join(member.dataDir, "member.db"));
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      expect(tables).not.toContain("server_requests");
      expect(tables).not.toContain("raft_log");
      expect(fs.existsSync(path.join(member.dataDir, "raft.db"))).toBe(true);
      expect((db.prepare("SELECT count(*) AS n FROM server_request_ids").get() as { n: number }).n).toBeGreaterThanOrEqual((idsBefore[i] ?? 0) + 1);
      db.close();
    });
  }, 60_000);

  it("a member down long enough to need a snapshot catches up", async () => {
    cluster = await startStoreCluster({ extraArgs: ["--snapshot-count", "50"] });
    const c = cluster;
    const leader = await c.leader();
    const lagger = c.members.find((m) => m.name !== leader);
    if (lagger === undefined) throw new Error("no follower");
    await c.kill(lagger.name);
    const writer = c.members.find((m) => m.name === leader)?.clientUrl ?? "";
    for (let i = 0; i < 300; i += 1) expect(await put(writer, `/e2e/snap/${i}`, `v${i}`)).toBe(true);
    await c.restart(lagger.name);
    await eventually(async () => {
      const stored = await getAll(lagger.clientUrl, "/e2e/snap/");
      if (stored.size !== 300) throw new Error(`${lagger.name} has ${stored.size} keys`);
    });
    expect(lagger.logs.some((l) => l.msg === "installed a snapshot from the leader")).toBe(true);
  }, 60_000);

  it("SIGTERM on the leader hands leadership over before exiting", async () => {
    cluster = await startStoreCluster();
    const c = cluster;
    const leader = await c.leader();
    const member = c.members.find((m) => m.name === leader);
    await c.kill(leader, "SIGTERM");
    expect(member?.logs.some((l) => l.msg === "transferring leadership before shutting down")).toBe(true);
    const next = await c.leader(3000);
    expect(next).not.toBe(leader);
  }, 30_000);
});

/** `kube-lite store` as a one-member cluster x1 in `dataDir`. */
function startLoneMember(dataDir: string, clientPort: number, peerPort: number, stdout: "pipe" | "ignore"): ChildProcess {
  const bin = path.resolve(import.meta.dirname, "../dist/cluster/main.js");
  const args = ["store", "--name", "x1", "--data-dir", path.join(dataDir, "x1"), "--listen-client-urls", `http://127.0.0.1:${clientPort}`, "--listen-peer-urls", `http://127.0.0.1:${peerPort}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${peerPort}`, "--initial-cluster", `x1=http://127.0.0.1:${peerPort}`];
  return spawn(process.execPath, [bin, ...args], { stdio: ["ignore", stdout, "pipe"] });
}

/** Waits for a member that must fail to start (SIGKILL after 10 s): its exit code and its stderr. */
async function failedStart(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  // "close", not "exit": the process's stderr may still hold the message at its exit.
  const code = await new Promise<number | null>((resolve) => child.once("close", (exitCode) => resolve(exitCode)));
  clearTimeout(killer);
  return { code, stderr };
}

describe("a store member that cannot listen", () => {
  it("exits with code 1 and the error, as etcd does, when its client port is taken (not left running with peers only)", async () => {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(clientPort, "127.0.0.1", () => resolve()));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lite-taken-"));
    try {
      const { code, stderr } = await failedStart(startLoneMember(dataDir, clientPort, peerPort, "ignore"));
      expect(code).toBe(1);
      expect(stderr).toContain("EADDRINUSE");
    } finally {
      blocker.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 20_000);

  it("exits with code 1 and says why when another member process has its data dir (its databases stay locked while it runs)", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lite-locked-"));
    const first = startLoneMember(dataDir, 0, await freePort(), "pipe");
    try {
      await new Promise<void>((resolve, reject) => {
        let out = "";
        first.stdout?.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("serving client requests")) resolve();
        });
        first.once("exit", (code) => reject(new Error(`the first member exited (${code})`)));
      });
      const { code, stderr } = await failedStart(startLoneMember(dataDir, 0, await freePort(), "ignore"));
      expect(code).toBe(1);
      expect(stderr).toContain("is in use by another member process");
      expect(first.exitCode).toBeNull();
    } finally {
      first.kill("SIGKILL");
      if (first.exitCode === null) await new Promise((resolve) => first.once("exit", resolve));
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 20_000);
});
