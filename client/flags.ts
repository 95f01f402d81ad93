// Flag values every component parses the same way: apiserver URL lists and Go durations.

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
