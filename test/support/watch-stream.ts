// A raw `POST /v3/watch` stream for tests that check the wire itself: sends request objects as
// the body (ended at once, as `curl -d` does: etcd's gateway acts on a request object only when
// the next one or the end of the body arrives), and hands back every answer line, parsed.
import http from "node:http";

export type WatchLine = Record<string, unknown>;

export class RawWatchStream {
  /** Every line received so far, parsed. */
  readonly lines: WatchLine[] = [];
  private readonly request: http.ClientRequest;
  private readonly waiters: { check: () => boolean; resolve: () => void }[] = [];
  private ended: Error | undefined;
  private consumed = 0;
  /** Set while a `paused` stream's answer waits for resume(). */
  private paused: boolean;
  private response: http.IncomingMessage | undefined;

  /** `paused`: the answer is not read until resume(), so the socket and the server's buffer fill. */
  constructor(endpoint: string, requests: readonly unknown[], options: { paused?: boolean } = {}) {
    this.paused = options.paused === true;
    const url = new URL("/v3/watch", endpoint);
    const body = requests.map((r) => JSON.stringify(r)).join("\n");
    this.request = http.request({ hostname: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json" } });
    this.request.on("error", (error) => this.end(error));
    this.request.on("response", (response) => {
      if (response.statusCode !== 200) this.end(new Error(`watch answered ${response.statusCode}`));
      this.response = response;
      if (this.paused) response.pause();
      else this.read(response);
    });
    this.request.end(body);
  }

  /** Starts reading a stream made `paused`. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.response !== undefined) this.read(this.response);
  }

  private read(response: http.IncomingMessage): void {
    response.setEncoding("utf8");
    let buffered = "";
    response.on("data", (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const part of parts) if (part.trim() !== "") this.lines.push(JSON.parse(part) as WatchLine);
      this.poke();
    });
    response.on("error", (error) => this.end(error));
    response.on("close", () => this.end(new Error("watch stream closed")));
    response.resume();
  }

  /** Resolves once `count` lines have arrived in all. */
  async received(count: number, timeoutMs = 10_000): Promise<WatchLine[]> {
    await this.until(() => this.lines.length >= count, timeoutMs, `${count} watch lines`);
    return this.lines.slice(0, count);
  }

  /** The next `count` lines not yet taken by next(). */
  async next(count = 1, timeoutMs = 10_000): Promise<WatchLine[]> {
    const lines = await this.received(this.consumed + count, timeoutMs);
    const taken = lines.slice(this.consumed);
    this.consumed += count;
    return taken;
  }

  /** Takes lines until one satisfies `stop`; returns them all, that one last. */
  async nextUntil(stop: (line: WatchLine) => boolean, timeoutMs = 10_000): Promise<WatchLine[]> {
    const taken: WatchLine[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [line] = await this.next(1, Math.max(1, deadline - Date.now()));
      if (line === undefined) throw new Error("unreachable");
      taken.push(line);
      if (stop(line)) return taken;
    }
  }

  close(): void {
    this.request.destroy();
  }

  private until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    if (this.ended !== undefined) return Promise.reject(new Error(`waiting for ${what}: ${this.ended.message}; got ${JSON.stringify(this.lines)}`));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.lines)}`));
      }, timeoutMs);
      const waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    }).then(() => {
      if (!check()) throw new Error(`waiting for ${what}: ${this.ended?.message ?? "stream ended"}; got ${JSON.stringify(this.lines)}`);
    });
  }

  private poke(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.check() || this.ended !== undefined) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  private end(error: Error): void {
    if (this.ended !== undefined) return;
    this.ended = error;
    this.poke();
  }
}
