// End-to-end: the store's watch and keep-alive streams as clients other than store/client use
// them, against a real member process: several watches on one WebSocket, periodic progress
// notifications, a watcher that stops reading (cut off, without slowing writes or the other
// watchers), and several keep-alives in one streaming request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { StoreCluster } from "./support/store-cluster.js";
import { startStoreCluster } from "./support/store-cluster.js";
import { until } from "./support/wait.js";
import { RawWatchStream } from "./support/watch-stream.js";

type Line = { result?: { header?: { revision?: string }; watch_id?: string; created?: boolean; canceled?: boolean; cancel_reason?: string; events?: { kv: { key: string; mod_revision: string } }[]; TTL?: string }; error?: unknown };

const b64 = (text: string) => Buffer.from(text).toString("base64");
/** The gateway leaves out zero values, as etcd's does: watch id 0 has no watch_id. */
const watchIdOf = (line: Line) => line.result?.watch_id ?? "0";
let cluster: StoreCluster;
let endpoint: string;

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${endpoint}${path}`, { method: "POST", body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}

async function put(key: string, value: string): Promise<number> {
  const answer = (await post("/v3/kv/put", { key: b64(key), value: b64(value) })) as { header: { revision: string } };
  return Number(answer.header.revision);
}

beforeAll(async () => {
  cluster = await startStoreCluster({ members: 1, extraArgs: ["--experimental-watch-progress-notify-interval", "200ms"] });
  endpoint = cluster.endpoints[0] ?? "";
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("store watch streams (real process)", () => {
  it("carries several watches on one WebSocket: created, events by watch id, one cancelled while the other goes on", async () => {
    const ws = new WebSocket(`${endpoint.replace("http:", "ws:")}/v3/watch`);
    const lines: Line[] = [];
    ws.on("message", (data) => lines.push(JSON.parse(data.toString()) as Line));
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    ws.send(JSON.stringify({ create_request: { key: b64("/ws/a") } }));
    ws.send(JSON.stringify({ create_request: { key: b64("/ws/b") } }));
    await until("both created", () => lines.filter((l) => l.result?.created === true).length === 2);
    expect(lines.map(watchIdOf)).toEqual(["0", "1"]);
    const ra = await put("/ws/a", "1");
    const rb = await put("/ws/b", "1");
    await until("both events", () => lines.filter((l) => l.result?.events !== undefined).length === 2);
    const events = lines.filter((l) => l.result?.events !== undefined).map((l) => `${watchIdOf(l)}:${Buffer.from(l.result?.events?.[0]?.kv.key ?? "", "base64").toString()}@${l.result?.events?.[0]?.kv.mod_revision}`);
    expect(events).toEqual([`0:/ws/a@${ra}`, `1:/ws/b@${rb}`]);
    ws.send(JSON.stringify({ cancel_request: { watch_id: "0" } }));
    await until("the cancel answered", () => lines.some((l) => l.result?.canceled === true));
    expect(watchIdOf(lines.find((l) => l.result?.canceled === true) ?? {})).toBe("0");
    await put("/ws/a", "2");
    const rb2 = await put("/ws/b", "2");
    await until("the second event on b", () => lines.some((l) => l.result?.events?.[0]?.kv.mod_revision === String(rb2)));
    // Nothing more for the cancelled watch.
    expect(lines.filter((l) => watchIdOf(l) === "0" && l.result?.events !== undefined)).toHaveLength(1);
    ws.close();
  });

  it("sends progress notifications every interval to the watches that asked, and only to them", async () => {
    const stream = new RawWatchStream(endpoint, [
      { create_request: { key: b64("/progress/a"), progress_notify: true, watch_id: "7" } },
      { create_request: { key: b64("/progress/b"), watch_id: "8" } },
    ]);
    await stream.received(2);
    const revision = await put("/elsewhere", "x");
    const lines = stream.lines as Line[];
    const isNoteOf7 = (l: Line) => l.result?.watch_id === "7" && l.result.created !== true && l.result.events === undefined;
    const notesOf7 = () => lines.filter(isNoteOf7);
    // Those sent after the put was answered (one sent before may carry an older revision).
    const afterPut = lines.length;
    const notesSincePut = () => lines.slice(afterPut).filter(isNoteOf7);
    // Over a second at a 200 ms interval: several notifications for watch 7, none for watch 8.
    await until("three progress notifications", () => notesSincePut().length >= 3, 5_000);
    for (const note of notesSincePut()) expect(Number(note.result?.header?.revision)).toBeGreaterThanOrEqual(revision);
    expect(lines.filter((l) => l.result?.watch_id === "8" && l.result.created !== true)).toEqual([]);
    // As etcd: an interval in which the watch was sent events brings no notification. Events about
    // every 20 ms for a second (five intervals): none, but for one stray where an interval started
    // just before the first event, and one for each pause of the writes long enough (100 ms, half
    // the interval, counting the slack of the member's timer) for an interval to pass without one.
    const before = notesOf7().length;
    const busyUntil = Date.now() + 1_000;
    let lastPutAt = Date.now();
    let pauses = 0;
    for (let i = 0; Date.now() < busyUntil; i++) {
      await put("/progress/a", String(i));
      if (Date.now() - lastPutAt > 100) pauses += 1;
      lastPutAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(notesOf7().length - before).toBeLessThanOrEqual(1 + pauses);
    stream.close();
  });

  it("cuts off a watcher that stops reading once its stream holds 16 MiB, without slowing the writes or a watcher that reads", async () => {
    const value = "v".repeat(1 << 20);
    const writes = 40; // 40 events of ~1.4 MiB each (base64) to a reader that never reads
    const create = { create_request: { key: b64("/slow/"), range_end: b64("/slow0") } };
    // The stalled watcher's answer is not read, so the socket and then the member's buffer fill.
    const stalled = new RawWatchStream(endpoint, [create], { paused: true });
    const reading = new RawWatchStream(endpoint, [create]);
    await reading.received(1);
    const eventLines = (stream: RawWatchStream) => (stream.lines as Line[]).filter((l) => l.result?.events !== undefined).length;
    const slowest: number[] = [];
    for (let i = 0; i < writes; i++) {
      const started = performance.now();
      await put(`/slow/${i}`, value);
      slowest.push(performance.now() - started);
    }
    await until("the reading watcher got every event", () => eventLines(reading) === writes, 20_000);
    expect(Math.max(...slowest)).toBeLessThan(2_000);
    // Now read what the stalled one was sent: some events, then the cancel with its reason.
    stalled.resume();
    const [cancel] = (await stalled.nextUntil((l) => (l as Line).result?.canceled === true, 20_000)).slice(-1) as Line[];
    expect(cancel?.result?.cancel_reason).toContain("too slow");
    expect(eventLines(stalled)).toBeGreaterThan(0);
    expect(eventLines(stalled)).toBeLessThan(writes);
    stalled.close();
    reading.close();
  }, 60_000);

  it("answers several keep-alives sent in one streaming request, one line each, in order", async () => {
    const granted = (await post("/v3/lease/grant", { TTL: "30" })) as { ID: string };
    const missing = "123456789";
    const response = await fetch(`${endpoint}/v3/lease/keepalive`, { method: "POST", body: JSON.stringify({ ID: granted.ID }) + JSON.stringify({ ID: missing }) + JSON.stringify({ ID: granted.ID }) });
    const lines = (await response.text()).trim().split("\n").map((l) => JSON.parse(l) as { result: { ID: string; TTL?: string } });
    expect(lines.map((l) => [l.result.ID, l.result.TTL])).toEqual([
      [granted.ID, "30"],
      [missing, undefined],
      [granted.ID, "30"],
    ]);
  });
});
