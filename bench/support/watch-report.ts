// The results of `--suite watch` (write-to-watch latency, events per second, lease grants) as a
// markdown report, kube-lite beside etcd with ratios and issue 4's goal ("no worse than etcd").
import type { LatencySummary, LoadResult } from "./load.js";
import { type BenchResults, type SystemResult, memberCommandLines, resultsHeader } from "./report.js";
import type { WatchLatencyResult, WatchThroughputResult } from "./watch-workloads.js";

export interface WatchRun {
  readonly latency: WatchLatencyResult;
  readonly throughput?: WatchThroughputResult;
}

const fmt = (v: number | undefined, digits = 2): string => (v === undefined || Number.isNaN(v) ? "–" : v.toFixed(digits));

/** kube-lite / etcd, and whether that meets "no worse than etcd" (lower is better for latency, higher for rates). */
export function versus(k: number | undefined, e: number | undefined, lowerIsBetter: boolean): { ratio: string; goal: string } {
  if (k === undefined || e === undefined || Number.isNaN(k) || Number.isNaN(e) || e === 0) return { ratio: "–", goal: "" };
  const r = k / e;
  const met = lowerIsBetter ? r <= 1 : r >= 1;
  return { ratio: `${r.toFixed(2)}×`, goal: `no worse than etcd: ${met ? "met" : "**not met**"}` };
}

interface Line {
  readonly metric: string;
  readonly pick: (s: SystemResult) => number | undefined;
  readonly digits: number;
  readonly lowerIsBetter?: boolean;
  /** A text cell instead of a number (no ratio). */
  readonly cell?: (s: SystemResult) => string | undefined;
}

function lines(results: BenchResults): Line[] {
  const counts = new Set<number>();
  for (const s of results.systems) for (const w of s.watch ?? []) counts.add(w.latency.watchers);
  const runOf = (s: SystemResult, n: number) => s.watch?.find((w) => w.latency.watchers === n);
  const out: Line[] = [];
  for (const n of [...counts].sort((a, b) => a - b)) {
    out.push({ metric: `write-to-watch latency p50, ${n} watcher${n === 1 ? "" : "s"} (ms)`, pick: (s) => runOf(s, n)?.latency.eventLatency.p50Ms, digits: 2, lowerIsBetter: true });
    out.push({ metric: `  p99 (ms)`, pick: (s) => runOf(s, n)?.latency.eventLatency.p99Ms, digits: 2, lowerIsBetter: true });
  }
  for (const n of [...counts].sort((a, b) => a - b)) {
    if (!results.systems.some((s) => runOf(s, n)?.throughput !== undefined)) continue;
    out.push({ metric: `events delivered per second, ${n} watchers`, pick: (s) => runOf(s, n)?.throughput?.eventsPerSecond, digits: 0, lowerIsBetter: false });
    out.push({ metric: `  puts/s meanwhile`, pick: (s) => runOf(s, n)?.throughput?.putsPerSecond, digits: 0 });
    out.push({
      metric: `  event latency p50 / p99 under load (ms)`,
      pick: () => undefined,
      digits: 0,
      cell: (s) => {
        const t = runOf(s, n)?.throughput;
        return t === undefined ? undefined : `${fmt(t.eventLatency.p50Ms, 1)} / ${fmt(t.eventLatency.p99Ms, 1)}`;
      },
    });
  }
  out.push({ metric: "lease grants per second, sequential", pick: (s) => s.leases?.sequential.grantsPerSecond, digits: 0, lowerIsBetter: false });
  out.push({ metric: "  grant latency p50 (ms)", pick: (s) => s.leases?.sequential.latency.p50Ms, digits: 2 });
  out.push({ metric: "lease grants per second, 64 in flight", pick: (s) => s.leases?.concurrent.opsPerSecond, digits: 0, lowerIsBetter: false });
  out.push({ metric: "  members' CPU per grant (µs)", pick: (s) => s.leases?.concurrent.serverCpuUsPerOp, digits: 0 });
  return out;
}

export function watchResultsTable(results: BenchResults): string {
  const kubeLite = results.systems.find((s) => s.system === "kube-lite");
  const etcd = results.systems.find((s) => s.system === "etcd");
  const head = etcd === undefined ? ["metric", "kube-lite"] : ["metric", "kube-lite", `etcd ${results.machine.etcd}`, "kube-lite / etcd", "goal"];
  const rows = lines(results).map((line) => {
    if (line.cell !== undefined) {
      const text = (s: SystemResult | undefined) => (s === undefined ? undefined : line.cell?.(s)) ?? "–";
      return [line.metric, text(kubeLite), ...(etcd === undefined ? [] : [text(etcd), "", ""])];
    }
    const k = kubeLite === undefined ? undefined : line.pick(kubeLite);
    if (etcd === undefined) return [line.metric, fmt(k, line.digits)];
    const e = line.pick(etcd);
    const v = versus(k, e, line.lowerIsBetter ?? false);
    return [line.metric, fmt(k, line.digits), fmt(e, line.digits), v.ratio, line.lowerIsBetter === undefined ? "" : v.goal];
  });
  return [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

const problemsCell = (p: { canceledWatchers: number; streamErrors: number; firstProblem: string | undefined }): string =>
  p.canceledWatchers === 0 && p.streamErrors === 0 ? "none" : `${p.canceledWatchers} canceled, ${p.streamErrors} stream errors (${(p.firstProblem ?? "").slice(0, 120).replaceAll("|", "\\|")})`;

function latencyDetail(results: BenchResults): string {
  const rows = [
    "| system | watchers | worker processes | puts | undelivered | events | p50 ms | p90 ms | p99 ms | max ms | put answer p50 ms | client CPU % (workers) | client CPU µs/event | members' CPU % | members' CPU µs/event | problems |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const s of results.systems) {
    for (const { latency: l } of s.watch ?? []) {
      const e = l.eventLatency;
      rows.push(
        `| ${s.system} | ${l.watchers} | ${l.workers} | ${l.puts} | ${l.undelivered} | ${l.events} | ${fmt(e.p50Ms)} | ${fmt(e.p90Ms)} | ${fmt(e.p99Ms)} | ${fmt(e.maxMs)} | ${fmt(l.putLatency.p50Ms)} | ${fmt(l.clientCpuPercent, 0)} (${fmt(l.workersCpuPercent, 0)}) | ${fmt(l.clientCpuUsPerEvent, 1)} | ${fmt(l.membersCpuPercent, 0)} | ${fmt(l.membersCpuUsPerEvent, 1)} | ${problemsCell(l)} |`,
      );
    }
  }
  return rows.join("\n");
}

function throughputDetail(results: BenchResults): string | undefined {
  const rows = [
    "| system | watchers | writers in flight | puts/s | events/s | delivered share | event p50 ms | event p99 ms | drain ms | client CPU % (workers) | client CPU µs/event | members' CPU % | members' CPU µs/event | put errors | problems |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  let any = false;
  for (const s of results.systems) {
    for (const { throughput: t } of s.watch ?? []) {
      if (t === undefined) continue;
      any = true;
      rows.push(
        `| ${s.system} | ${t.watchers} | ${t.writers} | ${fmt(t.putsPerSecond, 0)} | ${fmt(t.eventsPerSecond, 0)} | ${fmt(t.deliveredShare, 3)} | ${fmt(t.eventLatency.p50Ms)} | ${fmt(t.eventLatency.p99Ms)} | ${fmt(t.drainMs, 0)} | ${fmt(t.clientCpuPercent, 0)} (${fmt(t.workersCpuPercent, 0)}) | ${fmt(t.clientCpuUsPerEvent, 1)} | ${fmt(t.membersCpuPercent, 0)} | ${fmt(t.membersCpuUsPerEvent, 1)} | ${t.putErrors} | ${problemsCell(t)} |`,
      );
    }
  }
  return any ? rows.join("\n") : undefined;
}

function leaseDetail(results: BenchResults): string {
  const rows = ["| system | mode | grants/s | p50 ms | p99 ms | errors | members' CPU µs/grant | other processes' CPU % |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"];
  const latencyCells = (l: LatencySummary) => `${fmt(l.p50Ms)} | ${fmt(l.p99Ms)}`;
  for (const s of results.systems) {
    const leases = s.leases;
    if (leases === undefined) continue;
    const c: LoadResult = leases.concurrent;
    rows.push(`| ${s.system} | sequential, members in turn | ${fmt(leases.sequential.grantsPerSecond, 0)} | ${latencyCells(leases.sequential.latency)} | ${leases.sequential.errors} | – | – |`);
    rows.push(`| ${s.system} | ${c.concurrency} in flight | ${fmt(c.opsPerSecond, 0)} | ${latencyCells(c.latency)} | ${c.errors} | ${fmt(c.serverCpuUsPerOp, 0)} | ${fmt(c.otherCpuPercent, 0)} |`);
  }
  return rows.join("\n");
}

export function watchResultsMarkdown(results: BenchResults): string {
  const throughput = throughputDetail(results);
  return [
    ...resultsHeader(results, "Store watch and lease benchmark: kube-lite"),
    watchResultsTable(results),
    "",
    "Ratios are kube-lite / etcd. Latency is from the put's send (the bench's monotonic clock, carried in the key) to a watcher process reading the event's line; each watcher is its own HTTP stream to `POST /v3/watch` (etcd's gateway on etcd), watcher i on member i mod 3, read by worker processes. For the latency rows the next put goes once every watcher has the previous event.",
    "",
    "## Write-to-watch latency (one put at a time)",
    "",
    latencyDetail(results),
    "",
    ...(throughput === undefined ? [] : ["## Events delivered per second (sustained writes)", "", "Delivered share: events read in the window / (puts completed in the window × watchers); below 1 means the watchers fell behind the writes. Drain: from the end of the writes until every watcher has read a marker put written last.", "", throughput, ""]),
    "## Lease grants",
    "",
    leaseDetail(results),
    "",
    ...memberCommandLines(results),
  ].join("\n");
}
