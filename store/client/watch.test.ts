import { afterEach, describe, expect, it } from "vitest";
import { bytesToText, StoreClient, StoreError, WatchCanceledError, WatchCompactedError, type WatchBatch, type WatchRequest } from "./index.js";
import { deadEndpoint, header, startTestGateway, type GatewayHandler, type StreamingResponse, type TestGateway } from "./test-gateway.js";

const gateways: TestGateway[] = [];
const clients: StoreClient[] = [];

async function gateway(handler?: GatewayHandler): Promise<TestGateway> {
  const g = await startTestGateway(handler);
  gateways.push(g);
  return g;
}

function client(endpoints: string[], options: Partial<ConstructorParameters<typeof StoreClient>[0]> = {}): StoreClient {
  const c = new StoreClient({ endpoints, requestTimeoutMs: 1_000, deadlineMs: 3_000, random: () => 0.5, backoff: { baseDelayMs: 10, maxDelayMs: 100 }, ...options });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

const b64 = (text: string) => Buffer.from(text).toString("base64");
const kv = (key: string, modRevision: number, value = "v") => ({ key: b64(key), create_revision: "2", mod_revision: String(modRevision), version: "1", value: b64(value) });
const put = (key: string, revision: number, value?: string) => ({ kv: kv(key, revision, value) });
const del = (key: string, revision: number) => ({ type: "DELETE", kv: { key: b64(key), mod_revision: String(revision) } });
const created = (revision: number) => ({ result: { header: header(revision), created: true } });
const events = (revision: number, list: unknown[]) => ({ result: { header: header(revision), events: list } });

/** A gateway whose n-th watch stream (0-based) is driven by scripts[n]; later ones hang. */
async function watchGateway(...scripts: ((stream: StreamingResponse) => void)[]): Promise<TestGateway> {
  return gateway((request, index) => {
    if (request.path !== "/v3/watch") return { body: { header: header() } };
    const script = scripts[index];
    return { stream: script ?? (() => {}) };
  });
}

/** Collects what a watch delivers. */
function recorder() {
  const batches: WatchBatch[] = [];
  const progress: number[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    batches,
    progress,
    handler: {
      events(batch: WatchBatch) {
        batches.push(batch);
        for (const w of waiters.filter((w) => batches.length >= w.count)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      },
      progress(revision: number) {
        progress.push(revision);
      },
    },
    /** Resolves once `count` batches have arrived. */
    batchesArrived(count: number): Promise<void> {
      if (batches.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    summary: () => batches.map((b) => [b.revision, b.events.map((e) => `${e.type} ${bytesToText(e.kv.key)}`)]),
  };
}

const watchBodies = (g: TestGateway) => g.requests.filter((r) => r.path === "/v3/watch").map((r) => r.body);

describe("watch: one connection", () => {
  it("sends etcd's create request and delivers events one revision per call, decoded", async () => {
    const g = await watchGateway((s) => {
      s.writeLine(created(4));
      s.writeLine(
        events(6, [
          put("/p/a", 5, "x"),
          { ...put("/p/b", 5), prev_kv: kv("/p/b", 3, "old") },
          { ...del("/p/a", 6), prev_kv: kv("/p/a", 5, "x") },
        ]),
      );
    });
    const r = recorder();
    const request: WatchRequest = { key: "/p/", rangeEnd: "/p0", startRevision: 5, prevKv: true, filters: ["NOPUT", "NODELETE", "NOPUT"], progressNotify: true };
    const watch = client([g.url]).watch(request, r.handler);
    expect(await watch.created).toBe(4);
    await r.batchesArrived(2);
    expect(watchBodies(g)).toEqual([
      { create_request: { key: b64("/p/"), range_end: b64("/p0"), start_revision: "5", prev_kv: true, filters: ["NOPUT", "NODELETE"], progress_notify: true } },
    ]);
    expect(r.summary()).toEqual([
      [5, ["PUT /p/a", "PUT /p/b"]],
      [6, ["DELETE /p/a"]],
    ]);
    const [first, second] = r.batches;
    expect(first?.events[0]).toEqual({
      type: "PUT",
      kv: { key: new TextEncoder().encode("/p/a"), value: new TextEncoder().encode("x"), createRevision: 2, modRevision: 5, version: 1, lease: "0" },
    });
    expect(first?.events[1]?.prevKv?.modRevision).toBe(3);
    expect(second?.events[0]).toMatchObject({ type: "DELETE", kv: { value: new Uint8Array(0), createRevision: 0, modRevision: 6, version: 0 }, prevKv: { modRevision: 5 } });
    expect([watch.lastDeliveredRevision, watch.nextRevision, watch.reconnects]).toEqual([6, 7, 0]);
    watch.close();
    await watch.done;
  });

  it("reads lines cut across chunks, and several lines in one chunk", async () => {
    let stream: StreamingResponse | undefined;
    const g = await watchGateway((s) => {
      stream = s;
      const text = [created(1), events(2, [put("k", 2, "ä€😀")]), events(3, [put("k", 3)])].map((line) => `${JSON.stringify(line)}\n`).join("");
      const cut = text.indexOf("events") + 20;
      s.write(text.slice(0, cut));
    });
    const r = recorder();
    const watch = client([g.url]).watch({ key: "k" }, r.handler);
    await watch.created;
    const text = [created(1), events(2, [put("k", 2, "ä€😀")]), events(3, [put("k", 3)])].map((line) => `${JSON.stringify(line)}\n`).join("");
    stream?.write(text.slice(text.indexOf("events") + 20));
    await r.batchesArrived(2);
    expect(r.batches.map((b) => [b.revision, bytesToText(b.events[0]?.kv.value ?? new Uint8Array())])).toEqual([
      [2, "ä€😀"],
      [3, "v"],
    ]);
    watch.close();
  });

  it("leaves start_revision out for a watch from now", async () => {
    const g = await watchGateway((s) => s.writeLine(created(9)));
    const watch = client([g.url]).watch({ key: "k" }, recorder().handler);
    expect(await watch.created).toBe(9);
    expect(watchBodies(g)).toEqual([{ create_request: { key: b64("k") } }]);
    expect(watch.nextRevision).toBe(10);
    watch.close();
  });

  it("reports progress notifications", async () => {
    const g = await watchGateway((s) => {
      s.writeLine(created(3));
      s.writeLine({ result: { header: header(8) } });
      // A progress_request answer (watch_id -1) concerns no watch in particular: ignored.
      s.writeLine({ result: { header: header(20), watch_id: "-1" } });
      s.writeLine(events(9, [put("k", 9)]));
    });
    const r = recorder();
    const watch = client([g.url]).watch({ key: "k", startRevision: 2 }, r.handler);
    await r.batchesArrived(1);
    expect(r.progress).toEqual([8]);
    expect(watch.nextRevision).toBe(10);
    watch.close();
  });

  it("close() ends the stream, resolves done, and delivers nothing more", async () => {
    let stream: StreamingResponse | undefined;
    const g = await watchGateway((s) => {
      stream = s;
      s.writeLine(created(1));
    });
    const r = recorder();
    const watch = client([g.url]).watch({ key: "k" }, r.handler);
    await watch.created;
    watch.close();
    await watch.done;
    stream?.writeLine(events(2, [put("k", 2)]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.batches).toEqual([]);
    expect(watchBodies(g)).toHaveLength(1);
  });

  it("client.close() ends its watches", async () => {
    const g = await watchGateway((s) => s.writeLine(created(1)));
    const c = client([g.url]);
    const watch = c.watch({ key: "k" }, recorder().handler);
    await watch.created;
    c.close();
    await watch.done;
  });

  it("ends with what the handler threw", async () => {
    const g = await watchGateway((s) => {
      s.writeLine(created(1));
      s.writeLine(events(2, [put("k", 2)]));
      s.writeLine(events(3, [put("k", 3)]));
    });
    let calls = 0;
    const watch = client([g.url]).watch(
      { key: "k" },
      {
        events() {
          calls++;
          throw new Error("handler broke");
        },
      },
    );
    await expect(watch.done).rejects.toThrow("handler broke");
    expect(calls).toBe(1);
  });

  it("rejects a bad request before connecting", async () => {
    const g = await watchGateway();
    const c = client([g.url]);
    expect(() => c.watch({ key: "b", rangeEnd: "a" }, recorder().handler)).toThrow(TypeError);
    expect(() => c.watch({ key: "b", startRevision: -1 }, recorder().handler)).toThrow(TypeError);
    expect(() => c.watch({ key: "b", filters: ["NOPE" as "NOPUT"] }, recorder().handler)).toThrow(TypeError);
    expect(g.requests).toHaveLength(0);
  });
});

describe("watch: compaction and refusals", () => {
  it("surfaces etcd's compacted cancel as WatchCompactedError", async () => {
    const g = await watchGateway((s) => {
      s.writeLine(created(10));
      s.writeLine({ result: { header: { cluster_id: "7", member_id: "1", raft_term: "2" }, canceled: true, compact_revision: "6" } });
    });
    const watch = client([g.url]).watch({ key: "k", startRevision: 3 }, recorder().handler);
    const error = await watch.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WatchCompactedError);
    expect(error).toMatchObject({ compactRevision: 6, requestedRevision: 3 });
    await expect(watch.created).resolves.toBe(10);
  });

  it("surfaces a compaction met on resume, naming the revision it resumed from", async () => {
    const g = await watchGateway(
      (s) => {
        s.writeLine(created(5));
        s.writeLine(events(5, [put("k", 5)]));
        s.destroy();
      },
      (s) => {
        s.writeLine(created(30));
        s.writeLine({ result: { header: header(30), canceled: true, compact_revision: "20" } });
      },
    );
    const r = recorder();
    const watch = client([g.url]).watch({ key: "k", startRevision: 5 }, r.handler);
    const error = await watch.done.catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "WatchCompactedError", compactRevision: 20, requestedRevision: 6 });
    expect(r.summary()).toEqual([[5, ["PUT k"]]]);
  });

  it("ends with WatchCanceledError when the store refuses the create request", async () => {
    const g = await watchGateway((s) => s.writeLine({ result: { header: header(3), watch_id: "-1", created: true, canceled: true, cancel_reason: "mvcc: watcher range is empty" } }));
    const watch = client([g.url]).watch({ key: "k" }, recorder().handler);
    const error = await watch.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WatchCanceledError);
    expect((error as WatchCanceledError).reason).toBe("mvcc: watcher range is empty");
    await expect(watch.created).rejects.toThrow();
  });

  it("ends with StoreError on a 400 answer or a malformed line", async () => {
    const bad = await gateway(() => ({ status: 400, body: { error: "bad", message: "bad", code: 3 } }));
    await expect(client([bad.url]).watch({ key: "k" }, recorder().handler).done).rejects.toMatchObject({ name: "StoreError", code: 3, httpStatus: 400 });
    const garbled = await watchGateway((s) => s.writeLine({ result: { header: header(1), events: "nope" } }));
    const error = await client([garbled.url]).watch({ key: "k" }, recorder().handler).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe(13);
  });
});

describe("watch: resuming after a failure", () => {
  it("resumes after the last delivered revision, dropping what a member sends again", async () => {
    const first = await watchGateway((s) => {
      s.writeLine(created(4));
      s.writeLine(events(5, [put("/p/a", 5)]));
      s.writeLine(events(6, [put("/p/b", 6), put("/p/c", 6)]));
      s.destroy(); // killed -9
    });
    // The other member is behind on nothing but replays from an older revision than asked.
    const second = await watchGateway((s) => {
      s.writeLine(created(8));
      s.writeLine(events(8, [put("/p/b", 6), put("/p/c", 6), put("/p/d", 7), del("/p/a", 8)]));
    });
    const r = recorder();
    const c = client([first.url, second.url]);
    const watch = c.watch({ key: "/p/", rangeEnd: "/p0", startRevision: 5 }, r.handler);
    await r.batchesArrived(4);
    expect(r.summary()).toEqual([
      [5, ["PUT /p/a"]],
      [6, ["PUT /p/b", "PUT /p/c"]],
      [7, ["PUT /p/d"]],
      [8, ["DELETE /p/a"]],
    ]);
    expect(watchBodies(second)).toEqual([{ create_request: { key: b64("/p/"), range_end: b64("/p0"), start_revision: "7" } }]);
    expect(watch.reconnects).toBe(1);
    watch.close();
  });

  it("resumes a from-now watch after the revision it was created at, or after its last event", async () => {
    const g = await watchGateway(
      (s) => {
        s.writeLine(created(10));
        s.destroy();
      },
      (s) => {
        s.writeLine(created(12));
        s.writeLine(events(13, [put("k", 13)]));
        s.end(); // even a clean end is a broken watch: the client never asked for it
      },
      (s) => s.writeLine(created(13)),
    );
    const r = recorder();
    const watch = client([g.url]).watch({ key: "k" }, r.handler);
    await g.waitForPath("/v3/watch", 3);
    expect(watchBodies(g)).toEqual([
      { create_request: { key: b64("k") } },
      { create_request: { key: b64("k"), start_revision: "11" } },
      { create_request: { key: b64("k"), start_revision: "14" } },
    ]);
    expect(r.summary()).toEqual([[13, ["PUT k"]]]);
    expect(await watch.created).toBe(10);
    watch.close();
  });

  it("reconnects after a 503, an error line, a cancel it did not ask for, and connection refused", async () => {
    const dead = await deadEndpoint();
    const g = await gateway((request, index) => {
      if (request.path !== "/v3/watch") return { body: { header: header() } };
      switch (index) {
        case 0:
          return { status: 503, body: { error: "etcdserver: no leader", message: "etcdserver: no leader", code: 14 } };
        case 1:
          return { stream: (s) => s.writeLine({ error: { grpc_code: 14, http_code: 503, message: "etcdserver: no leader", http_status: "Service Unavailable" } }) };
        case 2:
          return {
            stream: (s) => {
              s.writeLine(created(2));
              s.writeLine(events(3, [put("k", 3)]));
              s.writeLine({ result: { header: header(3), canceled: true, cancel_reason: "etcdserver: watch stream too slow" } });
            },
          };
        default:
          return { stream: (s) => [created(5), events(4, [put("k", 4)])].forEach((line) => s.writeLine(line)) };
      }
    });
    const r = recorder();
    const watch = client([dead, g.url]).watch({ key: "k", startRevision: 3 }, r.handler);
    await r.batchesArrived(2);
    expect(r.summary()).toEqual([
      [3, ["PUT k"]],
      [4, ["PUT k"]],
    ]);
    expect(watchBodies(g).map((b) => (b as { create_request: { start_revision?: string } }).create_request.start_revision)).toEqual(["3", "3", "3", "4"]);
    watch.close();
  });

  it("tries another member when the created answer does not come", async () => {
    const silent = await gateway((request) => (request.path === "/v3/watch" ? "hang" : { body: { header: header() } }));
    const up = await watchGateway((s) => s.writeLine(created(7)));
    const watch = client([silent.url, up.url], { requestTimeoutMs: 200 }).watch({ key: "k" }, recorder().handler);
    expect(await watch.created).toBe(7);
    watch.close();
  });

  it("backs off with jitter while no member answers, and close() stops it", async () => {
    const dead = [await deadEndpoint(), await deadEndpoint()];
    const logs: Record<string, unknown>[] = [];
    const c = client(dead, { backoff: { baseDelayMs: 20, maxDelayMs: 160 }, logger: (line) => logs.push(line as Record<string, unknown>) });
    const watch = c.watch({ key: "k" }, recorder().handler);
    await new Promise((resolve) => setTimeout(resolve, 700));
    watch.close();
    await watch.done;
    const delays = logs.filter((l) => l.msg === "store watch broken, reconnecting").map((l) => l.delayMs as number);
    // random() = 0.5: three quarters of 20, 40, 80, then the 160 cap.
    expect(delays.slice(0, 5)).toEqual([15, 30, 60, 120, 120]);
    expect(delays.length).toBeLessThan(12);
    // The last back-off may have been cut short by close().
    expect([delays.length - 1, delays.length]).toContain(watch.reconnects);
  });
});
