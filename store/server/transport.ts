import net from "node:net";
import type { Logger } from "pino";
import type { NodeId } from "../raft/index.js";
import { decodeBinaryJson, encodeBinaryJson } from "./binary-json.js";

/** Bytes queued for one peer before further frames to it are dropped (Raft tolerates loss). */
export const peerQueueBytesMax = 64 << 20;
/** Largest frame accepted from a peer. */
export const peerFrameBytesMax = 256 << 20;
const reconnectDelayMinMs = 50;
const reconnectDelayMaxMs = 2000;

export interface PeerAddress {
  readonly id: NodeId;
  /** As given in --initial-cluster, e.g. http://127.0.0.1:12380. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
}

export interface TransportHandlers {
  /** One frame's payload from a peer (already decoded, not yet validated). */
  onFrame(from: NodeId, payload: unknown): void;
  /** The connection to a peer was lost (for Raft's reportUnreachable). */
  onDisconnect(peer: NodeId): void;
}

interface Hello {
  readonly hello: NodeId;
  readonly cluster: string;
}

/**
 * Peer transport: one persistent outbound TCP connection per peer, length-prefixed frames, each
 * frame a batch of messages. Writes are corked per turn of the event loop so a Ready's messages
 * leave in one write. A peer that is down costs a reconnect timer with back-off; its queue is
 * bounded and overflow is dropped, never waited for.
 */
export class PeerTransport {
  private readonly server: net.Server;
  private readonly links = new Map<NodeId, OutboundLink>();
  private readonly inbound = new Set<net.Socket>();
  private closed = false;

  constructor(
    private readonly self: NodeId,
    private readonly cluster: string,
    peers: readonly PeerAddress[],
    private readonly handlers: TransportHandlers,
    private readonly log: Logger,
  ) {
    for (const peer of peers) {
      if (peer.id !== self) this.links.set(peer.id, new OutboundLink(self, cluster, peer, handlers, log));
    }
    this.server = net.createServer((socket) => this.accept(socket));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        const address = this.server.address();
        resolve(typeof address === "object" && address !== null ? address.port : port);
      });
    });
  }

  start(): void {
    for (const link of this.links.values()) link.connect();
  }

  /** Queues one frame for a peer; returns false if it was dropped. */
  send(to: NodeId, payload: unknown): boolean {
    const link = this.links.get(to);
    if (link === undefined || this.closed) return false;
    return link.send(encodeBinaryJson(payload));
  }

  /** Hands everything queued to the kernel now (before a blocking fsync, say), not at the end of this turn. */
  flush(): void {
    for (const link of this.links.values()) link.flushNow();
  }

  connected(peer: NodeId): boolean {
    return this.links.get(peer)?.isConnected() ?? false;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const link of this.links.values()) link.close();
    for (const socket of this.inbound) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.inbound.add(socket);
    let peer: NodeId | undefined;
    const reader = new FrameReader((frame) => {
      let payload: unknown;
      try {
        payload = decodeBinaryJson(frame);
      } catch (error) {
        this.log.warn({ err: error, peer }, "undecodable peer frame; closing the connection");
        socket.destroy();
        return;
      }
      if (peer === undefined) {
        const hello = payload as Partial<Hello>;
        if (typeof hello.hello !== "string" || hello.cluster !== this.cluster) {
          this.log.warn({ hello }, "peer from another cluster or without a hello; closing the connection");
          socket.destroy();
          return;
        }
        peer = hello.hello;
        return;
      }
      this.handlers.onFrame(peer, payload);
    });
    socket.on("data", (chunk: Buffer) => {
      if (!reader.push(chunk)) {
        this.log.warn({ peer }, "oversized peer frame; closing the connection");
        socket.destroy();
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.inbound.delete(socket));
  }
}

class OutboundLink {
  private socket: net.Socket | undefined;
  private connectedNow = false;
  private queuedBytes = 0;
  private pending: Buffer[] = [];
  private flushScheduled = false;
  private retryDelayMs = reconnectDelayMinMs;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly self: NodeId,
    private readonly cluster: string,
    private readonly peer: PeerAddress,
    private readonly handlers: TransportHandlers,
    private readonly log: Logger,
  ) {}

  isConnected(): boolean {
    return this.connectedNow;
  }

  connect(): void {
    if (this.closed || this.socket !== undefined) return;
    const socket = net.connect({ host: this.peer.host, port: this.peer.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("connect", () => {
      this.connectedNow = true;
      this.retryDelayMs = reconnectDelayMinMs;
      this.log.info({ peer: this.peer.id }, "connected to peer");
      socket.write(frame(encodeBinaryJson({ hello: this.self, cluster: this.cluster } satisfies Hello)));
      this.flush();
    });
    // Outbound links carry no replies (peers answer on their own outbound link), but drain anyway.
    socket.on("data", () => undefined);
    socket.on("error", () => undefined);
    socket.on("close", () => this.onClose());
  }

  send(payload: Buffer): boolean {
    if (this.queuedBytes + payload.byteLength > peerQueueBytesMax) return false;
    this.pending.push(payload);
    this.queuedBytes += payload.byteLength;
    if (this.connectedNow && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
    return true;
  }

  flushNow(): void {
    this.flush();
  }

  private flush(): void {
    this.flushScheduled = false;
    const socket = this.socket;
    if (socket === undefined || !this.connectedNow || this.pending.length === 0) return;
    const frames = this.pending.map(frame);
    this.pending = [];
    this.queuedBytes = 0;
    socket.cork();
    for (const f of frames) socket.write(f);
    socket.uncork();
  }

  private onClose(): void {
    const wasConnected = this.connectedNow;
    this.socket = undefined;
    this.connectedNow = false;
    // What was queued for a dead connection is stale by the time it comes back.
    this.pending = [];
    this.queuedBytes = 0;
    if (wasConnected) {
      this.log.warn({ peer: this.peer.id }, "lost connection to peer");
      this.handlers.onDisconnect(this.peer.id);
    }
    if (this.closed) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(reconnectDelayMaxMs, this.retryDelayMs * 2);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.socket?.destroy();
  }
}

function frame(payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(payload.byteLength, 0);
  return Buffer.concat([header, payload]);
}

/** Reassembles length-prefixed frames from a byte stream. */
export class FrameReader {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly onFrame: (frame: Buffer) => void) {}

  /** Returns false when a frame announces more than peerFrameBytesMax. */
  push(chunk: Buffer): boolean {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.byteLength;
    for (;;) {
      if (this.bufferedBytes < 4) return true;
      if ((this.buffered[0]?.byteLength ?? 0) < 4) this.buffered = [Buffer.concat(this.buffered)];
      const length = (this.buffered[0] as Buffer).readUInt32BE(0);
      if (length > peerFrameBytesMax) return false;
      // Join the chunks only once the whole frame is here, so large frames cost one copy.
      if (this.bufferedBytes < 4 + length) return true;
      const all = this.buffered.length === 1 ? (this.buffered[0] as Buffer) : Buffer.concat(this.buffered);
      const body = all.subarray(4, 4 + length);
      const rest = all.subarray(4 + length);
      this.buffered = rest.byteLength > 0 ? [rest] : [];
      this.bufferedBytes = rest.byteLength;
      this.onFrame(body);
    }
  }
}
