// `kube-lite apiserver`: kube-apiserver's flag names where they exist.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { StoreClient } from "../store/client/index.js";
import { buildApiServer } from "./app.js";

export const apiServerUsage = `Usage: kube-lite apiserver --etcd-servers URL[,URL...] [flags]

  --etcd-servers URLS                          store members (kube-lite store or etcd 3.4), comma-separated
  --port N                                     listening port (default 8080; 0: any free port)
  --bind-address ADDR                          listening address (default 127.0.0.1)
  --service-cluster-ip-range CIDR              cluster IPs for services (default 10.96.0.0/12)
  --default-not-ready-toleration-seconds N     added to every pod (default 300)
  --default-unreachable-toleration-seconds N   added to every pod (default 300)
  --event-ttl DURATION                         events expire this long after their last write (default 1h)
  --url-file PATH                              write {"url", "pid"} here once listening (for launchers)
  --log-level LEVEL                            pino level (default info)`;

class UsageError extends Error {}

function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer, not '${value}'`);
  return n;
}

export interface ApiServerFlags {
  readonly etcdServers: string[];
  readonly port: number;
  readonly bindAddress: string;
  readonly serviceClusterIpRange: string;
  readonly notReadySeconds: number;
  readonly unreachableSeconds: number;
  readonly eventTtlSeconds: number;
  readonly urlFile: string | undefined;
  readonly logLevel: string;
}

/** A Go duration as kube-apiserver takes it ("1h", "30m", "1h30m", "90s"), in whole seconds. */
function durationSeconds(value: string, flag: string): number {
  const parts = [...value.matchAll(/(\d+)(h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) throw new UsageError(`${flag} must be a duration like 1h, 30m or 90s, not '${value}'`);
  const seconds = parts.reduce((sum, p) => sum + Number(p[1]) * { h: 3600, m: 60, s: 1 }[p[2] as "h" | "m" | "s"], 0);
  if (seconds <= 0) throw new UsageError(`${flag} must be positive`);
  return seconds;
}

export function parseApiServerFlags(argv: readonly string[]): ApiServerFlags {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      "etcd-servers": { type: "string" },
      port: { type: "string", default: "8080" },
      "bind-address": { type: "string", default: "127.0.0.1" },
      "service-cluster-ip-range": { type: "string", default: "10.96.0.0/12" },
      "default-not-ready-toleration-seconds": { type: "string", default: "300" },
      "default-unreachable-toleration-seconds": { type: "string", default: "300" },
      "event-ttl": { type: "string", default: "1h" },
      "url-file": { type: "string" },
      "log-level": { type: "string", default: "info" },
    },
    strict: true,
  });
  const etcdServers = (values["etcd-servers"] ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (etcdServers.length === 0) throw new UsageError("--etcd-servers is required (e.g. http://127.0.0.1:2379,http://127.0.0.1:22379)");
  for (const server of etcdServers) {
    try {
      new URL(server);
    } catch {
      throw new UsageError(`--etcd-servers entries must be URLs like http://127.0.0.1:2379, not '${server}'`);
    }
  }
  const port = nonNegativeInt(values.port, "--port");
  if (port > 65535) throw new UsageError(`--port must be at most 65535, not ${port}`);
  return {
    etcdServers,
    port,
    bindAddress: values["bind-address"],
    serviceClusterIpRange: values["service-cluster-ip-range"],
    notReadySeconds: nonNegativeInt(values["default-not-ready-toleration-seconds"], "--default-not-ready-toleration-seconds"),
    unreachableSeconds: nonNegativeInt(values["default-unreachable-toleration-seconds"], "--default-unreachable-toleration-seconds"),
    eventTtlSeconds: durationSeconds(values["event-ttl"], "--event-ttl"),
    urlFile: values["url-file"],
    logLevel: values["log-level"],
  };
}

/** Runs the apiserver in this process until SIGTERM/SIGINT; returns an exit code on a usage error. */
export async function runApiServer(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(apiServerUsage);
    return 0;
  }
  let flags: ApiServerFlags;
  let server: ReturnType<typeof buildApiServer>;
  const store = () => new StoreClient({ endpoints: flags.etcdServers });
  try {
    flags = parseApiServerFlags(argv);
    server = buildApiServer({
      store: store(),
      serviceClusterIpRange: flags.serviceClusterIpRange,
      tolerations: { notReadySeconds: flags.notReadySeconds, unreachableSeconds: flags.unreachableSeconds },
      eventTtlSeconds: flags.eventTtlSeconds,
      logLevel: flags.logLevel,
    });
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && /service-cluster-ip-range/.test(error.message)) || (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
      console.error(`kube-lite apiserver: ${(error as Error).message}\n\n${apiServerUsage}`);
      return 2;
    }
    throw error;
  }
  const { app } = server;
  await app.listen({ port: flags.port, host: flags.bindAddress });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : flags.port;
  const url = `http://${flags.bindAddress}:${port}`;
  if (flags.urlFile !== undefined) fs.writeFileSync(flags.urlFile, `${JSON.stringify({ url, pid: process.pid })}\n`);
  app.log.info({ url, etcdServers: flags.etcdServers }, "serving the Kubernetes API");
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "shutting down");
    void app.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  return 0;
}
