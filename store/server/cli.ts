import { randomInt } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { createClientApi } from "./client-api.js";
import { Member } from "./member.js";
import { testHooksFromEnv } from "./test-hooks.js";
import { cutClientConnections } from "./watch-api.js";
import type { PeerAddress } from "./transport.js";

export const storeUsage = `Usage: kube-lite store [flags]   (etcd's flag names, so one script starts either)

  --name NAME                          member name (default "default")
  --data-dir DIR                       where the member keeps its state (default NAME.etcd)
  --listen-client-urls URL             client API, e.g. http://127.0.0.1:2379 (port 0: any free port)
  --advertise-client-urls URL          client URL told to others (default: the listening one)
  --listen-peer-urls URL               peer traffic, e.g. http://127.0.0.1:12380
  --initial-advertise-peer-urls URL    accepted for etcd compatibility
  --initial-cluster NAME=URL,...       every member and its peer URL
  --initial-cluster-state new|existing ignored when the data dir holds state (as etcd)
  --initial-cluster-token TOKEN        distinguishes clusters (default etcd-cluster)
  --heartbeat-interval MS              default 100
  --election-timeout MS                default 1000
  --auto-compaction-retention N        keep N revisions of history (default 10000; 0 = off)
  --initial-election-tick-advance BOOL  at boot, once peers are connected, fast-forward the election
                                       clock so the first election comes sooner (default true, as etcd)
  --snapshot-count N                   compact the Raft log after N applied entries (default 100000)
  --experimental-watch-progress-notify-interval D   progress notifications to watchers that ask (default 10m)
  --log-level LEVEL                    pino level (default info)`;

interface StoreFlags {
  readonly name: string;
  readonly dataDir: string;
  readonly listenClient: URL;
  readonly advertiseClient: string | undefined;
  readonly listenPeer: URL;
  readonly peers: PeerAddress[];
  readonly clusterToken: string;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly autoCompactionRetention: number;
  readonly snapshotCount: number;
  readonly initialElectionTickAdvance: boolean;
  readonly progressNotifyIntervalMs: number;
  readonly logLevel: string;
}

class UsageError extends Error {}

/** A Go boolean flag's value, as etcd's flag parser takes it. */
function goBool(value: string, flag: string): boolean {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  throw new UsageError(`${flag} must be true or false, not '${value}'`);
}

function positiveInt(value: string, flag: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || (!allowZero && n === 0)) throw new UsageError(`${flag} must be a ${allowZero ? "non-negative" : "positive"} integer, not '${value}'`);
  return n;
}

/** A Go-style duration ("500ms", "5s", "10m", "1h") in milliseconds. */
function durationMs(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (match === null) throw new UsageError(`${flag} must be a duration like 500ms, 5s or 10m, not '${value}'`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Math.max(1, Math.round(Number(match[1]) * unit));
}

function url(value: string, flag: string): URL {
  const first = value.split(",")[0] ?? "";
  try {
    return new URL(first);
  } catch {
    throw new UsageError(`${flag} must be a URL like http://127.0.0.1:2379, not '${value}'`);
  }
}

export function parseStoreFlags(argv: readonly string[]): StoreFlags {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      name: { type: "string", default: "default" },
      "data-dir": { type: "string" },
      "listen-client-urls": { type: "string", default: "http://localhost:2379" },
      "advertise-client-urls": { type: "string" },
      "listen-peer-urls": { type: "string", default: "http://localhost:2380" },
      "initial-advertise-peer-urls": { type: "string" },
      "initial-cluster": { type: "string" },
      "initial-cluster-state": { type: "string", default: "new" },
      "initial-cluster-token": { type: "string", default: "etcd-cluster" },
      "heartbeat-interval": { type: "string", default: "100" },
      "election-timeout": { type: "string", default: "1000" },
      "auto-compaction-retention": { type: "string", default: "10000" },
      "auto-compaction-mode": { type: "string", default: "revision" },
      "snapshot-count": { type: "string", default: "100000" },
      "initial-election-tick-advance": { type: "string", default: "true" },
      "experimental-watch-progress-notify-interval": { type: "string", default: "10m" },
      "log-level": { type: "string", default: "info" },
    },
    strict: true,
  });
  const name = values.name;
  const listenPeer = url(values["listen-peer-urls"], "--listen-peer-urls");
  const initialCluster = values["initial-cluster"] ?? `${name}=${listenPeer.href.replace(/\/$/, "")}`;
  const peers = initialCluster.split(",").map((pair) => {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--initial-cluster entries look like NAME=URL, not '${pair}'`);
    const peerUrl = url(pair.slice(at + 1), "--initial-cluster");
    return { id: pair.slice(0, at), url: pair.slice(at + 1), host: peerUrl.hostname, port: Number(peerUrl.port) };
  });
  if (!peers.some((p) => p.id === name)) throw new UsageError(`--initial-cluster does not list this member's name '${name}'`);
  const state = values["initial-cluster-state"];
  if (state !== "new" && state !== "existing") throw new UsageError(`--initial-cluster-state must be new or existing, not '${state}'`);
  if (values["auto-compaction-mode"] !== "revision") throw new UsageError("--auto-compaction-mode: only 'revision' is supported");
  const heartbeatIntervalMs = positiveInt(values["heartbeat-interval"], "--heartbeat-interval");
  const electionTimeoutMs = positiveInt(values["election-timeout"], "--election-timeout");
  if (electionTimeoutMs < 2 * heartbeatIntervalMs) throw new UsageError("--election-timeout must be at least twice --heartbeat-interval");
  return {
    name,
    dataDir: values["data-dir"] ?? `${name}.etcd`,
    listenClient: url(values["listen-client-urls"], "--listen-client-urls"),
    advertiseClient: values["advertise-client-urls"]?.split(",")[0],
    listenPeer,
    peers,
    clusterToken: values["initial-cluster-token"],
    heartbeatIntervalMs,
    electionTimeoutMs,
    autoCompactionRetention: positiveInt(values["auto-compaction-retention"], "--auto-compaction-retention", true),
    snapshotCount: positiveInt(values["snapshot-count"], "--snapshot-count"),
    initialElectionTickAdvance: goBool(values["initial-election-tick-advance"], "--initial-election-tick-advance"),
    progressNotifyIntervalMs: durationMs(values["experimental-watch-progress-notify-interval"], "--experimental-watch-progress-notify-interval"),
    logLevel: values["log-level"],
  };
}

/** After a member stops, how long its client connections get to take their last answers. */
const shutdownGraceMs = 300;

/** Runs one store member in this process until SIGTERM/SIGINT. Returns the exit code on a usage error. */
export async function runStore(argv: readonly string[]): Promise<number> {
  let flags: StoreFlags;
  try {
    flags = parseStoreFlags(argv);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
      console.error(`kube-lite store: ${error.message}\n\n${storeUsage}`);
      return 2;
    }
    throw error;
  }
  const log = pino({ level: flags.logLevel, base: { component: "store", member: flags.name } });
  let member: Member;
  try {
    member = new Member({
      name: flags.name,
      dataDir: flags.dataDir,
      peers: flags.peers,
      clusterToken: flags.clusterToken,
      heartbeatIntervalMs: flags.heartbeatIntervalMs,
      electionTimeoutMs: flags.electionTimeoutMs,
      autoCompactionRetentionRevisions: flags.autoCompactionRetention,
      autoCompactionIntervalMs: 5000,
      logCompactionEntries: flags.snapshotCount,
      requestTimeoutMs: 7000,
      initialElectionTickAdvance: flags.initialElectionTickAdvance,
      random: { int: (n) => (n <= 1 ? 0 : randomInt(n)) },
      log,
      testHooks: testHooksFromEnv(process.env, flags.dataDir, log),
    });
  } catch (error) {
    // A member keeps its databases locked for as long as it runs (EXCLUSIVE locking).
    if (error instanceof Error && "code" in error && String(error.code).startsWith("SQLITE_BUSY")) {
      console.error(`kube-lite store: the data dir ${flags.dataDir} is in use by another member process (its databases are locked); stop that one first`);
      return 1;
    }
    throw error;
  }
  if (member.resumed) log.info({ dataDir: flags.dataDir }, "resuming from the data directory (initial cluster state ignored)");
  const peerPort = await member.listenPeers(flags.listenPeer.hostname, Number(flags.listenPeer.port));
  const api = createClientApi(member, log, { progressNotifyIntervalMs: flags.progressNotifyIntervalMs });
  const clientPort = await new Promise<number>((resolve, reject) => {
    api.once("error", reject);
    api.listen(Number(flags.listenClient.port), flags.listenClient.hostname, () => {
      const address = api.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
  const clientUrl = `${flags.listenClient.protocol}//${flags.listenClient.hostname}:${clientPort}`;
  const advertised = flags.advertiseClient === undefined || flags.listenClient.port === "0" ? clientUrl : flags.advertiseClient;
  member.start([advertised]);
  fs.writeFileSync(path.join(flags.dataDir, "endpoints.json"), `${JSON.stringify({ name: flags.name, clientUrl: advertised, peerPort, pid: process.pid })}\n`);
  log.info({ clientUrl: advertised, peerPort, memberId: member.memberId }, "serving client requests");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    void member
      .stop(Math.min(2000, flags.electionTimeoutMs * 2))
      .then(
        () =>
          new Promise<void>((resolve) => {
            api.close(() => resolve());
            // Connections still busy (watch streams, a client that keeps its keep-alive
            // connection full of requests) would hold the close forever: the member has
            // stopped, so they are cut once the answers in flight had a moment to go out.
            setTimeout(() => cutClientConnections(api), shutdownGraceMs).unref();
          }),
      )
      .then(() => {
        log.info("stopped");
        process.exit(0);
      });
    api.closeIdleConnections();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  return 0;
}
