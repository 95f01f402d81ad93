// The apiserver bench's workloads: pod creates (one at a time, then N clients), GET and paged LIST
// latency, and watch fan-out (write-to-event latency one write at a time, then events delivered
// per second under concurrent writers). Each phase samples the CPU time of the bench, the
// apiserver and the store members, and notes its CLOCK_MONOTONIC window (to cut a --cpu-prof
// profile to it).
import { performance } from "node:perf_hooks";
import type { ApiClient } from "./apiserver-client.js";
import type { ApiServerProcess } from "./apiserver-process.js";
import { podManifest } from "./apiserver-protocol.js";
import type { ApiWatchers } from "./apiserver-watchers.js";
import type { BenchCluster } from "./support/cluster.js";
import { type LatencySummary, machineBusyMs, round, summarize } from "./support/load.js";
import { LatencyHistogram, type HistogramJson, monotonicUs } from "./support/watch-protocol.js";

export interface BenchTarget {
  readonly client: ApiClient;
  readonly apiserver: ApiServerProcess;
  readonly store: BenchCluster;
}

/** CPU used during a phase, as shares of one core (100 = one core busy all the time). */
export interface CpuShares {
  readonly benchPercent: number;
  /** Watcher worker processes (watch phases only). */
  readonly watchWorkersPercent: number;
  readonly apiserverPercent: number;
  readonly storePercent: number;
  /** Busy CPU of the whole machine not used by any of the above. */
  readonly otherPercent: number;
}

export interface PhaseWindow {
  /** CLOCK_MONOTONIC microseconds, the clock V8 stamps --cpu-prof samples with. */
  readonly startUs: number;
  readonly endUs: number;
}

interface CpuMark {
  readonly atMs: number;
  readonly monotonicUs: number;
  readonly benchMs: number;
  readonly apiserverMs: number;
  readonly storeMs: number;
  readonly machineMs: number;
}

function mark(target: BenchTarget): CpuMark {
  const usage = process.cpuUsage();
  let storeMs = 0;
  for (const ms of target.store.cpuTimeMs().values()) storeMs += ms;
  return { atMs: performance.now(), monotonicUs: monotonicUs(), benchMs: (usage.user + usage.system) / 1000, apiserverMs: target.apiserver.cpuMs(), storeMs, machineMs: machineBusyMs() };
}

function cpuBetween(start: CpuMark, end: CpuMark, watchWorkersMs = 0): CpuShares {
  const elapsedMs = Math.max(1, end.atMs - start.atMs);
  const share = (ms: number) => round((ms / elapsedMs) * 100, 1);
  const bench = end.benchMs - start.benchMs;
  const apiserver = end.apiserverMs - start.apiserverMs;
  const store = end.storeMs - start.storeMs;
  return {
    benchPercent: share(bench),
    watchWorkersPercent: share(watchWorkersMs),
    apiserverPercent: share(apiserver),
    storePercent: share(store),
    otherPercent: share(end.machineMs - start.machineMs - bench - apiserver - store - watchWorkersMs),
  };
}

const windowOf = (start: CpuMark, end: CpuMark): PhaseWindow => ({ startUs: start.monotonicUs, endUs: end.monotonicUs });

export const podName = (prefix: string, seq: number): string => `${prefix}-${String(seq).padStart(6, "0")}`;

const podsPath = (namespace: string) => `/api/v1/namespaces/${namespace}/pods`;

function createBody(namespace: string, prefix: string, seq: number): string {
  return JSON.stringify(podManifest({ namespace, name: podName(prefix, seq), seq, sentUs: monotonicUs() }));
}

async function createPod(client: ApiClient, namespace: string, prefix: string, seq: number): Promise<void> {
  await client.expect(201, "POST", podsPath(namespace), createBody(namespace, prefix, seq));
}

export async function ensureNamespace(client: ApiClient, name: string): Promise<void> {
  const reply = await client.request("POST", "/api/v1/namespaces", JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name } }));
  if (reply.status !== 201 && reply.status !== 409) throw new Error(`create namespace ${name}: ${reply.status} ${reply.body.slice(0, 300)}`);
}

export interface CreateResult {
  readonly clients: number;
  readonly creates: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly durationMs: number;
  readonly createsPerSecond: number;
  readonly latency: LatencySummary;
  readonly cpu: CpuShares;
  /** Apiserver CPU per successful create (µs). */
  readonly apiserverCpuUsPerCreate: number;
  readonly storeCpuUsPerCreate: number;
  readonly window: PhaseWindow;
}

/**
 * Creates pods `fromSeq` .. `toSeq - 1` with `clients` requests in flight (1: one at a time), each
 * client taking the next number as it finishes one (closed loop).
 */
export async function createPods(target: BenchTarget, namespace: string, prefix: string, fromSeq: number, toSeq: number, clients: number): Promise<CreateResult> {
  let next = fromSeq;
  let errors = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const start = mark(target);
  const worker = async (): Promise<void> => {
    while (next < toSeq) {
      const seq = next++;
      const t0 = performance.now();
      try {
        await createPod(target.client, namespace, prefix, seq);
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, () => worker()));
  const end = mark(target);
  const durationMs = end.atMs - start.atMs;
  const creates = latencies.length;
  const perCreate = (ms: number) => (creates === 0 ? Number.NaN : round((ms * 1000) / creates, 0));
  return {
    clients,
    creates,
    errors,
    firstError,
    durationMs: round(durationMs, 0),
    createsPerSecond: round(creates / (durationMs / 1000), 1),
    latency: summarize(latencies),
    cpu: cpuBetween(start, end),
    apiserverCpuUsPerCreate: perCreate(end.apiserverMs - start.apiserverMs),
    storeCpuUsPerCreate: perCreate(end.storeMs - start.storeMs),
    window: windowOf(start, end),
  };
}

export interface ReadResult {
  readonly what: string;
  readonly path: string;
  readonly samples: number;
  /** For LIST: pages of limit=500 per full list, items per full list. */
  readonly pagesPerList?: number;
  readonly itemsPerList?: number;
  readonly responseBytes: number;
  readonly latency: LatencySummary;
  /** LIST: each page's own latency. */
  readonly pageLatency?: LatencySummary;
  readonly cpu: CpuShares;
  readonly apiserverCpuMsPerRequest: number;
  readonly window: PhaseWindow;
}

/** Sequential GETs of pods picked at random (seeded by their index, so runs read the same pods). */
export async function getLatency(target: BenchTarget, namespace: string, prefix: string, storedSeqs: number, count: number): Promise<ReadResult> {
  const latencies: number[] = [];
  let bytes = 0;
  const start = mark(target);
  for (let i = 0; i < count; i += 1) {
    // A multiplicative hash spreads the reads over the stored pods without a random source.
    const seq = (i * 2_654_435_761) % storedSeqs;
    const t0 = performance.now();
    const body = await target.client.expect(200, "GET", `${podsPath(namespace)}/${podName(prefix, seq)}`);
    latencies.push(performance.now() - t0);
    bytes += body.length;
  }
  const end = mark(target);
  return {
    what: "GET pod",
    path: `${podsPath(namespace)}/<name>`,
    samples: count,
    responseBytes: Math.round(bytes / Math.max(1, count)),
    latency: summarize(latencies),
    cpu: cpuBetween(start, end),
    apiserverCpuMsPerRequest: round((end.apiserverMs - start.apiserverMs) / Math.max(1, count), 3),
    window: windowOf(start, end),
  };
}

interface ListPage {
  metadata?: { continue?: string; resourceVersion?: string; remainingItemCount?: number };
  items?: unknown[];
}

/** One full LIST as kubectl does it: pages of `limit`, following `continue` to the end. */
async function pagedList(client: ApiClient, basePath: string, limit: number, pageLatencies: number[]): Promise<{ pages: number; items: number; bytes: number }> {
  let continueToken: string | undefined;
  let pages = 0;
  let items = 0;
  let bytes = 0;
  do {
    const query = new URLSearchParams(basePath.includes("?") ? basePath.slice(basePath.indexOf("?") + 1) : "");
    query.set("limit", String(limit));
    if (continueToken !== undefined) query.set("continue", continueToken);
    const path = `${basePath.split("?")[0] ?? basePath}?${query.toString()}`;
    const t0 = performance.now();
    const body = await client.expect(200, "GET", path);
    pageLatencies.push(performance.now() - t0);
    const page = JSON.parse(body) as ListPage;
    pages += 1;
    items += page.items?.length ?? 0;
    bytes += body.length;
    continueToken = page.metadata?.continue === undefined || page.metadata.continue === "" ? undefined : page.metadata.continue;
  } while (continueToken !== undefined);
  return { pages, items, bytes };
}

/** Full paged LISTs of `basePath`, one after another: `repeats` of them, or fewer if `budgetMs` runs out (at least 3). */
export async function listLatency(target: BenchTarget, what: string, basePath: string, limit: number, repeats: number, budgetMs: number): Promise<ReadResult> {
  const latencies: number[] = [];
  const pageLatencies: number[] = [];
  let pages = 0;
  let items = 0;
  let bytes = 0;
  const start = mark(target);
  for (let i = 0; i < repeats; i += 1) {
    if (i >= 3 && performance.now() - start.atMs > budgetMs) break;
    const t0 = performance.now();
    const one = await pagedList(target.client, basePath, limit, pageLatencies);
    latencies.push(performance.now() - t0);
    pages = one.pages;
    items = one.items;
    bytes = one.bytes;
  }
  const end = mark(target);
  return {
    what,
    path: `${basePath}${basePath.includes("?") ? "&" : "?"}limit=${limit}`,
    samples: latencies.length,
    pagesPerList: pages,
    itemsPerList: items,
    responseBytes: bytes,
    latency: summarize(latencies),
    pageLatency: summarize(pageLatencies),
    cpu: cpuBetween(start, end),
    apiserverCpuMsPerRequest: round((end.apiserverMs - start.apiserverMs) / Math.max(1, latencies.length), 3),
    window: windowOf(start, end),
  };
}

/** How many pods a LIST of `path` finds (one request, limit=1: the remaining count is exact without a selector). */
export async function countPods(client: ApiClient, path: string): Promise<number> {
  const page = JSON.parse(await client.expect(200, "GET", `${path}?limit=1`)) as ListPage;
  return (page.items?.length ?? 0) + (page.metadata?.remainingItemCount ?? 0);
}

export async function currentResourceVersion(client: ApiClient, path: string): Promise<string> {
  const page = JSON.parse(await client.expect(200, "GET", `${path}?limit=1`)) as ListPage;
  const rv = page.metadata?.resourceVersion;
  if (rv === undefined) throw new Error(`LIST ${path} answered no resourceVersion`);
  return rv;
}

/** The watchers' merged latency histograms as a summary (percentiles within the histogram's 1% buckets). */
function histogramSummary(parts: readonly HistogramJson[]): LatencySummary {
  const merged = LatencyHistogram.merge(parts);
  const [p50Ms, p90Ms, p99Ms] = [0.5, 0.9, 0.99].map((q) => round(merged.quantileMs(q))) as [number, number, number];
  const meanMs = merged.count === 0 ? Number.NaN : merged.sumUs / merged.count / 1000;
  return { count: merged.count, p50Ms, p90Ms, p99Ms, maxMs: round(merged.maxUs / 1000), meanMs: round(meanMs) };
}

export interface WatchFanOutResult {
  readonly watchers: number;
  readonly workers: number;
  /** One create at a time, each waited for until every watcher has its event. */
  readonly paced: {
    readonly writes: number;
    readonly undelivered: number;
    readonly events: number;
    readonly eventLatency: LatencySummary;
    readonly createLatency: LatencySummary;
    readonly durationMs: number;
    readonly eventsPerSecond: number;
    readonly cpu: CpuShares;
    readonly apiserverCpuUsPerEvent: number;
    readonly window: PhaseWindow;
  };
  /** `writers` creates in flight for a fixed time. */
  readonly loaded: {
    readonly writers: number;
    readonly durationMs: number;
    readonly creates: number;
    readonly createErrors: number;
    readonly createsPerSecond: number;
    readonly events: number;
    readonly eventsPerSecond: number;
    /** Events read / (creates × watchers): below 1 when watchers fall behind by the window's end. */
    readonly deliveredShare: number;
    readonly eventLatency: LatencySummary;
    readonly createLatency: LatencySummary;
    /** From the window's end until every watcher had the last create's event (NaN: not within 60 s). */
    readonly drainMs: number;
    readonly cpu: CpuShares;
    readonly apiserverCpuUsPerEvent: number;
    readonly clientCpuUsPerEvent: number;
    readonly window: PhaseWindow;
  };
  readonly closedStreams: number;
  readonly firstProblem: string | undefined;
}

export interface WatchFanOutOptions {
  readonly namespace: string;
  readonly prefix: string;
  readonly pacedWrites: number;
  readonly warmupWrites: number;
  readonly writers: number;
  readonly durationMs: number;
  readonly deliveryTimeoutMs: number;
}

/** Write-to-event latency (paced) and events per second (loaded) on already-open watchers. */
export async function watchFanOut(target: BenchTarget, watchers: ApiWatchers, workers: number, options: WatchFanOutOptions): Promise<WatchFanOutResult> {
  const { namespace, prefix } = options;
  let seq = 0;
  // Warm-up: connections, JIT, and the first events through every stream.
  for (let i = 0; i < options.warmupWrites; i += 1) await createPod(target.client, namespace, prefix, seq++);
  await watchers.reset(true);

  let undelivered = 0;
  const createLatencies: number[] = [];
  const pacedStart = mark(target);
  for (let i = 0; i < options.pacedWrites; i += 1) {
    const mine = seq++;
    const delivered = watchers.waitDelivered(mine, options.deliveryTimeoutMs);
    const t0 = performance.now();
    await createPod(target.client, namespace, prefix, mine);
    createLatencies.push(performance.now() - t0);
    if (!(await delivered)) undelivered += 1;
  }
  const pacedReports = await watchers.report();
  const pacedEnd = mark(target);
  const pacedEvents = pacedReports.reduce((a, r) => a + r.events, 0);
  const pacedWorkersMs = pacedReports.reduce((a, r) => a + r.cpuMs, 0);
  const pacedSeconds = (pacedEnd.atMs - pacedStart.atMs) / 1000;
  const paced = {
    writes: options.pacedWrites,
    undelivered,
    events: pacedEvents,
    eventLatency: histogramSummary(pacedReports.map((r) => r.histogram)),
    createLatency: summarize(createLatencies),
    durationMs: round(pacedSeconds * 1000, 0),
    eventsPerSecond: round(pacedEvents / pacedSeconds, 0),
    cpu: cpuBetween(pacedStart, pacedEnd, pacedWorkersMs),
    apiserverCpuUsPerEvent: pacedEvents === 0 ? Number.NaN : round(((pacedEnd.apiserverMs - pacedStart.apiserverMs) * 1000) / pacedEvents, 1),
    window: windowOf(pacedStart, pacedEnd),
  };

  // Loaded: writers in a closed loop; only events read inside the window count.
  await watchers.reset(false);
  const loadedStart = mark(target);
  const windowEnd = loadedStart.atMs + options.durationMs;
  let creates = 0;
  let createErrors = 0;
  let lastSeq = -1;
  const loadedLatencies: number[] = [];
  const writer = async (): Promise<void> => {
    while (performance.now() < windowEnd) {
      const mine = seq++;
      const t0 = performance.now();
      try {
        await createPod(target.client, namespace, prefix, mine);
        loadedLatencies.push(performance.now() - t0);
        creates += 1;
        lastSeq = Math.max(lastSeq, mine);
      } catch {
        createErrors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.writers }, () => writer()));
  const loadedReports = await watchers.report();
  const loadedEnd = mark(target);
  const drainStart = performance.now();
  let drainMs = Number.NaN;
  for (;;) {
    const reports = await watchers.report();
    if (reports.every((r) => r.deliveredSeq >= lastSeq)) {
      drainMs = round(performance.now() - drainStart, 0);
      break;
    }
    if (performance.now() - drainStart > 60_000) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (loadedEnd.atMs - loadedStart.atMs) / 1000;
  const events = loadedReports.reduce((a, r) => a + r.events, 0);
  const workersMs = loadedReports.reduce((a, r) => a + r.cpuMs, 0);
  const clientMs = workersMs + loadedEnd.benchMs - loadedStart.benchMs;
  const final = await watchers.report();
  return {
    watchers: watchers.watchers,
    workers,
    paced,
    loaded: {
      writers: options.writers,
      durationMs: round(seconds * 1000, 0),
      creates,
      createErrors,
      createsPerSecond: round(creates / seconds, 1),
      events,
      eventsPerSecond: round(events / seconds, 0),
      deliveredShare: creates === 0 ? Number.NaN : round(events / (creates * watchers.watchers), 3),
      eventLatency: histogramSummary(loadedReports.map((r) => r.histogram)),
      createLatency: summarize(loadedLatencies),
      drainMs,
      cpu: cpuBetween(loadedStart, loadedEnd, workersMs),
      apiserverCpuUsPerEvent: events === 0 ? Number.NaN : round(((loadedEnd.apiserverMs - loadedStart.apiserverMs) * 1000) / events, 1),
      clientCpuUsPerEvent: events === 0 ? Number.NaN : round((clientMs * 1000) / events, 1),
      window: windowOf(loadedStart, loadedEnd),
    },
    closedStreams: final.reduce((a, r) => a + r.closedStreams, 0),
    firstProblem: final.find((r) => r.firstProblem !== undefined)?.firstProblem,
  };
}
