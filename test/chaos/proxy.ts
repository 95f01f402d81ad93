// A userspace TCP proxy on every peer link, so the harness can break the network between store
// members one direction at a time.
//
// Why a proxy: these machines have no `tc netem` (the kernel lacks it), and `ip netns` /
// iptables need root and are not installed on a fresh machine. iptables could still only drop
// whole TCP flows, and a TCP flow carries both directions, so it cannot express "s1 hears s2 but
// s2 does not hear s1". kube-lite's transport makes a proxy exact instead: each member dials
// each peer at the URL --initial-cluster gives for it, over ONE outbound connection that carries
// only that member's messages to that peer (replies travel on the peer's own outbound
// connection), and a member's inbound side accepts any connection. So the harness gives every
// member its own --initial-cluster whose peer URLs point at per-(source, destination) proxy
// ports (the member names stay the same): the proxy for (a -> b) sees exactly the traffic from a
// to b, and cutting it is a one-way link failure. etcd's robustness tests do the same
// (pkg/proxy: blackhole, delay, drop).
//
// The proxy understands the transport's framing (a 4-byte big-endian length, then the frame),
// so it drops, delays and duplicates whole frames and the byte stream stays well-formed. The
// first frame of a connection is the sender's hello (who it is); it always goes through, so a
// blackholed link stays "connected" and silent, as a real blackhole does.
import net from "node:net";
import type { Prng } from "../../store/sim/index.js";

/** What a link does to the frames it carries. The default is a healthy link. */
export interface LinkFault {
  /** Drop every frame (after the hello): the link is cut in this direction. */
  readonly blackhole: boolean;
  /** Hold each frame this long (order is kept, as TCP keeps it). */
  readonly delayMs: number;
  /** Plus up to this much more, at random. */
  readonly jitterMs: number;
  /** Drop a frame with this probability. */
  readonly lossRate: number;
  /** Send a frame twice with this probability. */
  readonly duplicateRate: number;
  /** Close the link's connections at random, on average this often (0: never). */
  readonly flakyMeanMs: number;
}

export const healthyLink: LinkFault = { blackhole: false, delayMs: 0, jitterMs: 0, lossRate: 0, duplicateRate: 0, flakyMeanMs: 0 };

/** Largest frame the proxy will hold (the transport's own limit is 256 MiB). */
const frameBytesMax = 256 << 20;
/** How long re-listening may wait for the port to come free. */
const relistenTimeoutMs = 5_000;

export interface LinkStats {
  framesForwarded: number;
  framesDropped: number;
  framesDuplicated: number;
  connectionsCut: number;
}

/** One direction of one peer link: member `from` dials `listenPort`, the proxy dials `to` at `targetPort`. */
export class LinkProxy {
  readonly stats: LinkStats = { framesForwarded: 0, framesDropped: 0, framesDuplicated: 0, connectionsCut: 0 };
  private server: net.Server | undefined;
  private readonly pipes = new Set<Pipe>();
  private fault: LinkFault = healthyLink;
  private flakyTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly from: string,
    readonly to: string,
    readonly listenPort: number,
    private readonly targetPort: number,
    private readonly random: Prng,
  ) {}

  async start(): Promise<void> {
    await this.listen();
  }

  get currentFault(): LinkFault {
    return this.fault;
  }

  /** Applies a fault to frames from now on; `cutConnections` also closes the open ones (a reset). */
  setFault(fault: LinkFault, cutConnections = false): void {
    this.fault = fault;
    if (cutConnections) this.cutAll();
    this.armFlaky();
  }

  heal(): void {
    this.setFault(healthyLink);
  }

  /**
   * The destination member is down (true) or back (false). While it is down the proxy does not
   * listen either, so the source's dial is refused as it would be without a proxy (instead of
   * connecting and being closed at once, which the source would take for a lost peer).
   */
  async setTargetDown(down: boolean): Promise<void> {
    if (down) {
      this.cutAll();
      await this.unlisten();
    } else if (this.server === undefined && !this.closed) {
      await this.listen();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.flakyTimer);
    this.cutAll();
    await this.unlisten();
  }

  private async listen(): Promise<void> {
    const deadline = Date.now() + relistenTimeoutMs;
    for (;;) {
      const server = net.createServer((socket) => this.accept(socket));
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(this.listenPort, "127.0.0.1", () => resolve());
        });
        server.on("error", () => undefined);
        this.server = server;
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`proxy ${this.from}->${this.to} cannot listen on ${this.listenPort}: ${String(error)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private async unlisten(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private cutAll(): void {
    for (const pipe of this.pipes) {
      pipe.destroy();
      this.stats.connectionsCut += 1;
    }
    this.pipes.clear();
  }

  private armFlaky(): void {
    clearTimeout(this.flakyTimer);
    this.flakyTimer = undefined;
    const meanMs = this.fault.flakyMeanMs;
    if (meanMs <= 0 || this.closed) return;
    // Exponential gaps: closes come at random, not on a beat the members could fall into step with.
    const gapMs = Math.max(10, -Math.log(1 - this.random.float()) * meanMs);
    this.flakyTimer = setTimeout(() => {
      this.cutAll();
      this.armFlaky();
    }, gapMs);
    this.flakyTimer.unref();
  }

  private accept(inbound: net.Socket): void {
    const pipe = new Pipe(inbound, this.targetPort, this, () => this.pipes.delete(pipe));
    this.pipes.add(pipe);
  }

  /** Decides one frame's fate; called by pipes. */
  route(frame: Buffer, deliver: (frame: Buffer, atMs: number) => void): void {
    const fault = this.fault;
    if (fault.blackhole || (fault.lossRate > 0 && this.random.chance(fault.lossRate))) {
      this.stats.framesDropped += 1;
      return;
    }
    const delayMs = fault.delayMs + (fault.jitterMs > 0 ? this.random.float() * fault.jitterMs : 0);
    const atMs = delayMs > 0 ? performance.now() + delayMs : 0;
    deliver(frame, atMs);
    this.stats.framesForwarded += 1;
    if (fault.duplicateRate > 0 && this.random.chance(fault.duplicateRate)) {
      deliver(frame, atMs);
      this.stats.framesDuplicated += 1;
    }
  }
}

/** One proxied connection: the source's socket in, a socket to the destination out. */
class Pipe {
  private readonly outbound: net.Socket;
  private connected = false;
  private destroyed = false;
  /** Frames waiting for the outbound connection or for their delivery time, in order. */
  private queue: { frame: Buffer; atMs: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private sawHello = false;

  constructor(
    private readonly inbound: net.Socket,
    targetPort: number,
    private readonly link: LinkProxy,
    private readonly onGone: () => void,
  ) {
    inbound.setNoDelay(true);
    this.outbound = net.connect({ host: "127.0.0.1", port: targetPort });
    this.outbound.setNoDelay(true);
    this.outbound.on("connect", () => {
      this.connected = true;
      this.pump();
    });
    // The destination never writes on this connection; pass anything along anyway.
    this.outbound.on("data", (chunk: Buffer) => inbound.write(chunk));
    this.outbound.on("error", () => this.destroy());
    this.outbound.on("close", () => this.destroy());
    inbound.on("data", (chunk: Buffer) => this.onData(chunk));
    inbound.on("error", () => this.destroy());
    inbound.on("close", () => this.destroy());
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.timer);
    this.queue = [];
    this.inbound.destroy();
    this.outbound.destroy();
    this.onGone();
  }

  private onData(chunk: Buffer): void {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.byteLength;
    for (;;) {
      if (this.bufferedBytes < 4) return;
      if ((this.buffered[0]?.byteLength ?? 0) < 4) this.buffered = [Buffer.concat(this.buffered)];
      const length = (this.buffered[0] as Buffer).readUInt32BE(0);
      if (length > frameBytesMax) {
        this.destroy();
        return;
      }
      if (this.bufferedBytes < 4 + length) return;
      const all = this.buffered.length === 1 ? (this.buffered[0] as Buffer) : Buffer.concat(this.buffered);
      const frame = all.subarray(0, 4 + length);
      const rest = all.subarray(4 + length);
      this.buffered = rest.byteLength > 0 ? [rest] : [];
      this.bufferedBytes = rest.byteLength;
      if (!this.sawHello) {
        // The hello names the sender; without it the destination drops the connection.
        this.sawHello = true;
        this.enqueue(frame, 0);
      } else {
        this.link.route(frame, (f, atMs) => this.enqueue(f, atMs));
      }
    }
  }

  private enqueue(frame: Buffer, atMs: number): void {
    // A frame never overtakes an earlier one: TCP keeps order, delays only stretch it.
    const last = this.queue[this.queue.length - 1];
    this.queue.push({ frame, atMs: Math.max(atMs, last?.atMs ?? 0) });
    this.pump();
  }

  private pump(): void {
    if (!this.connected || this.destroyed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const nowMs = performance.now();
    let sent = 0;
    while (this.queue.length > sent && (this.queue[sent] as { atMs: number }).atMs <= nowMs) sent += 1;
    if (sent > 0) {
      const due = this.queue.splice(0, sent);
      this.outbound.cork();
      for (const { frame } of due) this.outbound.write(frame);
      this.outbound.uncork();
    }
    const next = this.queue[0];
    if (next !== undefined) this.timer = setTimeout(() => this.pump(), Math.max(1, next.atMs - nowMs));
  }
}

/** Every link of a cluster: proxies[from][to]. */
export class ProxyMesh {
  private readonly links = new Map<string, LinkProxy>();

  constructor(readonly names: readonly string[]) {}

  add(link: LinkProxy): void {
    this.links.set(`${link.from}>${link.to}`, link);
  }

  link(from: string, to: string): LinkProxy {
    const link = this.links.get(`${from}>${to}`);
    if (link === undefined) throw new Error(`no proxy for ${from} -> ${to}`);
    return link;
  }

  all(): LinkProxy[] {
    return [...this.links.values()];
  }

  /** Links out of (`out`) or into (`in`) a member. */
  linksOf(member: string, direction: "out" | "in" | "both"): LinkProxy[] {
    return this.all().filter((l) => (direction !== "in" && l.from === member) || (direction !== "out" && l.to === member));
  }

  /** Cuts every link between the two groups, both ways. */
  partition(sideA: readonly string[], sideB: readonly string[], reset: boolean): LinkProxy[] {
    const cut: LinkProxy[] = [];
    for (const a of sideA) {
      for (const b of sideB) {
        for (const link of [this.link(a, b), this.link(b, a)]) {
          link.setFault({ ...healthyLink, blackhole: true }, reset);
          cut.push(link);
        }
      }
    }
    return cut;
  }

  async setTargetDown(member: string, down: boolean): Promise<void> {
    await Promise.all(this.linksOf(member, "in").map((l) => l.setTargetDown(down)));
  }

  healAll(): void {
    for (const link of this.all()) link.heal();
  }

  totals(): LinkStats {
    const total: LinkStats = { framesForwarded: 0, framesDropped: 0, framesDuplicated: 0, connectionsCut: 0 };
    for (const link of this.all()) {
      total.framesForwarded += link.stats.framesForwarded;
      total.framesDropped += link.stats.framesDropped;
      total.framesDuplicated += link.stats.framesDuplicated;
      total.connectionsCut += link.stats.connectionsCut;
    }
    return total;
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((l) => l.close()));
  }
}
