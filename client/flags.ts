// Flag values every component parses the same way: apiserver URL lists and Go durations.
import { randomUUID } from "node:crypto";
import os from "node:os";

const durationUnitsMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001, "µs": 0.001, ns: 0.000001 };

/**
 * A Go duration ("10s", "1m30s", "500ms", "1.5s", "0") in milliseconds, as Kubernetes
 * components take their timing flags. Throws a message naming the flag on anything else.
 */
export function parseDurationMs(value: string, flag: string): number {
  if (value === "0") return 0;
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) {
    throw new Error(`${flag} must be a duration like 10s, 500ms or 1m30s, not '${value}'`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * (durationUnitsMs[p[2] as string] as number), 0);
}

/** `--server URL[,URL]`: one or more apiserver base URLs. */
export function parseServerList(value: string | undefined, flag = "--server"): string[] {
  const servers = (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (servers.length === 0) throw new Error(`${flag} is required (e.g. http://127.0.0.1:8080,http://127.0.0.1:8081)`);
  for (const server of servers) {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new Error(`${flag} entries must be URLs like http://127.0.0.1:8080, not '${server}'`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`${flag} entries must be http(s) URLs, not '${server}'`);
  }
  return servers;
}

/** What Go's strconv.ParseBool accepts, as Kubernetes components' boolean flags do. */
const goBooleans: ReadonlyMap<string, boolean> = new Map([
  ...["1", "t", "T", "TRUE", "true", "True"].map((text): [string, boolean] => [text, true]),
  ...["0", "f", "F", "FALSE", "false", "False"].map((text): [string, boolean] => [text, false]),
]);

export function parseGoBoolean(value: string, flag: string): boolean {
  const parsed = goBooleans.get(value);
  if (parsed === undefined) throw new Error(`${flag} must be true or false, not '${value}'`);
  return parsed;
}

/** "--flag" alone means true for Go booleans; node's parseArgs wants "--flag=true" for a string option. */
export function expandGoBooleanFlags(argv: readonly string[], flags: readonly string[]): string[] {
  return argv.map((argument) => (flags.includes(argument) ? `${argument}=true` : argument));
}

export const logLevels: readonly string[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** The --leader-elect-* options every leader-electing component takes (kube-scheduler's names). */
export function leaderElectionFlagOptions(resourceName: string) {
  return {
    "leader-elect": { type: "string", default: "true" },
    "leader-elect-lease-duration": { type: "string", default: "15s" },
    "leader-elect-renew-deadline": { type: "string", default: "10s" },
    "leader-elect-retry-period": { type: "string", default: "2s" },
    "leader-elect-resource-name": { type: "string", default: resourceName },
    "leader-elect-resource-namespace": { type: "string", default: "kube-system" },
  } as const;
}

export interface LeaderElectionFlags {
  readonly leaderElect: boolean;
  readonly leaderElection: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  readonly leaseName: string;
  readonly leaseNamespace: string;
}

export function parseLeaderElectionFlags(values: Readonly<Record<keyof ReturnType<typeof leaderElectionFlagOptions>, string>>): LeaderElectionFlags {
  return {
    leaderElect: parseGoBoolean(values["leader-elect"], "--leader-elect"),
    leaderElection: {
      leaseDurationMs: parseDurationMs(values["leader-elect-lease-duration"], "--leader-elect-lease-duration"),
      renewDeadlineMs: parseDurationMs(values["leader-elect-renew-deadline"], "--leader-elect-renew-deadline"),
      retryPeriodMs: parseDurationMs(values["leader-elect-retry-period"], "--leader-elect-retry-period"),
    },
    leaseName: values["leader-elect-resource-name"],
    leaseNamespace: values["leader-elect-resource-namespace"],
  };
}

/** The identity, status-port and logging options of a leader-elected component. */
export function componentFlagOptions() {
  return {
    identity: { type: "string" },
    port: { type: "string" },
    "bind-address": { type: "string", default: "127.0.0.1" },
    "url-file": { type: "string" },
    "log-level": { type: "string", default: "info" },
  } as const;
}

export interface ComponentFlags {
  /** Holder identity; default hostname_uuid, as client-go. */
  readonly identity: string;
  /** Where /healthz and /status are served (0: any free port); undefined: not served. */
  readonly port: number | undefined;
  readonly bindAddress: string;
  readonly urlFile: string | undefined;
  readonly logLevel: string;
}

export function parseComponentFlags(values: { identity?: string; port?: string; "bind-address": string; "url-file"?: string; "log-level": string }): ComponentFlags {
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--port must be an integer from 0 to 65535, not '${values.port}'`);
  if (!logLevels.includes(values["log-level"])) throw new Error(`--log-level must be one of ${logLevels.join(", ")}, not '${values["log-level"]}'`);
  return {
    identity: values.identity ?? `${os.hostname()}_${randomUUID()}`,
    port,
    bindAddress: values["bind-address"],
    urlFile: values["url-file"],
    logLevel: values["log-level"],
  };
}
