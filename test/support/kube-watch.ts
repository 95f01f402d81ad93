// A Kubernetes watch stream (`GET ...?watch=true`) read line by line, for tests.
import http from "node:http";
import WebSocket from "ws";

export type KubeWatchEvent = { type: string; object: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

export class KubeWatch {
  readonly events: KubeWatchEvent[] = [];
  status = 0;
  closed = false;
  private readonly waiters: (() => void)[] = [];
  private readonly stopper: () => void;

  constructor(baseUrl: string, path: string, options: { accept?: string; websocket?: boolean } = {}) {
    const url = new URL(path, baseUrl);
    if (options.websocket === true) {
      const ws = new WebSocket(url.href.replace(/^http/, "ws"), { headers: options.accept === undefined ? {} : { accept: options.accept } });
      ws.on("upgrade", (response) => (this.status = response.statusCode ?? 0));
      ws.on("message", (data) => this.push(String(data)));
      ws.on("close", () => this.finish());
      ws.on("error", () => this.finish());
      ws.on("unexpected-response", (_request, response) => {
        this.status = response.statusCode ?? 0;
        this.finish();
      });
      this.stopper = () => ws.terminate();
      return;
    }
    const request = http.get(url, { headers: options.accept === undefined ? {} : { accept: options.accept } }, (response) => {
      this.status = response.statusCode ?? 0;
      response.setEncoding("utf8");
      let buffered = "";
      response.on("data", (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) if (line.trim() !== "") this.push(line);
      });
      response.on("close", () => this.finish());
    });
    request.on("error", () => this.finish());
    this.stopper = () => request.destroy();
  }

  private push(line: string): void {
    this.events.push(JSON.parse(line) as KubeWatchEvent);
    this.poke();
  }

  private finish(): void {
    this.closed = true;
    this.poke();
  }

  private poke(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves when `check` holds (checked on every event and on close). */
  async until(check: (events: KubeWatchEvent[]) => boolean, what: string, timeoutMs = 10_000): Promise<KubeWatchEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.events)) {
      if (this.closed && !check(this.events)) throw new Error(`watch closed before ${what}; got ${JSON.stringify(this.events.map((e) => e.type))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.map((e) => `${e.type} ${e.object?.metadata?.name}`))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  close(): void {
    this.stopper();
  }
}
