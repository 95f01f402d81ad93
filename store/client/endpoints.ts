// Which endpoint to try first: reads rotate across members, writes go to the known leader,
// and members that just failed go to the back of the line for a while.

/** An endpoint as the client keys it: the URL's origin ("http://127.0.0.1:2379"). */
export function normalizeEndpoint(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.protocol !== "http:") throw new TypeError(`store endpoint ${endpoint}: only http:// is supported`);
  return url.origin;
}

export class EndpointSet {
  readonly endpoints: readonly string[];
  private cursor = 0;
  private leader: string | undefined;
  private leaderLearnedAtMs = Number.NEGATIVE_INFINITY;
  private readonly failedAtMs = new Map<string, number>();

  constructor(
    endpoints: readonly string[],
    /** How long a failed endpoint stays at the back of the line. */
    private readonly penaltyMs: number,
  ) {
    const unique = [...new Set(endpoints.map(normalizeEndpoint))];
    if (unique.length === 0) throw new TypeError("store client needs at least one endpoint");
    this.endpoints = unique;
  }

  get leaderEndpoint(): string | undefined {
    return this.leader;
  }

  leaderAgeMs(nowMs: number): number {
    return nowMs - this.leaderLearnedAtMs;
  }

  setLeader(endpoint: string | undefined, nowMs: number): void {
    this.leader = endpoint;
    this.leaderLearnedAtMs = endpoint === undefined ? Number.NEGATIVE_INFINITY : nowMs;
  }

  forgetLeader(endpoint: string): void {
    if (this.leader === endpoint) this.setLeader(undefined, 0);
  }

  markFailed(endpoint: string, nowMs: number): void {
    this.failedAtMs.set(endpoint, nowMs);
  }

  markSucceeded(endpoint: string): void {
    this.failedAtMs.delete(endpoint);
  }

  /** The configured endpoint among a member's advertised client URLs, if any. */
  match(clientUrls: readonly string[]): string | undefined {
    for (const url of clientUrls) {
      let origin: string;
      try {
        origin = new URL(url).origin;
      } catch {
        continue;
      }
      if (this.endpoints.includes(origin)) return origin;
    }
    return undefined;
  }

  /** The order in which one request tries the endpoints. */
  order(kind: "read" | "write", nowMs: number): string[] {
    const n = this.endpoints.length;
    const start = this.cursor++ % n;
    const rotated = [...this.endpoints.slice(start), ...this.endpoints.slice(0, start)];
    if (kind === "write" && this.leader !== undefined) {
      const leader = this.leader;
      rotated.splice(rotated.indexOf(leader), 1);
      rotated.unshift(leader);
    }
    const healthy = rotated.filter((e) => !this.isPenalized(e, nowMs));
    const penalized = rotated.filter((e) => this.isPenalized(e, nowMs));
    return [...healthy, ...penalized];
  }

  /** Every endpoint, those that did not fail lately first, without moving the read rotation. */
  byHealth(nowMs: number): string[] {
    const healthy = this.endpoints.filter((e) => !this.isPenalized(e, nowMs));
    return [...healthy, ...this.endpoints.filter((e) => this.isPenalized(e, nowMs))];
  }

  private isPenalized(endpoint: string, nowMs: number): boolean {
    const failedAt = this.failedAtMs.get(endpoint);
    return failedAt !== undefined && nowMs - failedAt < this.penaltyMs;
  }
}
