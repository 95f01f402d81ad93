// A deterministic in-memory network for the Raft scenario tests: nodes, a FIFO message queue,
// cut links, and the driver loop of the Ready contract (persist, send, apply, advance). No
// timers and no global randomness: every test replays the same message sequence.
import assert from "node:assert/strict";
import { Raft } from "./raft.js";
import type { RaftConfig } from "./raft.js";
import { MemoryStorage } from "./storage.js";
import type { Entry, HardState, Message, NodeId, RandomSource, ReadState, Ready, Snapshot } from "./types.js";
import { NONE } from "./types.js";

/** A random source that always answers `value` (clamped into range): fixed election timeouts. */
export function fixedRandom(value = 0): RandomSource {
  return { int: (maxExclusive: number) => Math.min(value, maxExclusive - 1) };
}

export type NodeOptions = Partial<Omit<RaftConfig, "id" | "storage">>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function text(data: Uint8Array): string {
  return decoder.decode(data);
}

export function entry(index: number, term: number, data = ""): Entry {
  return { index, term, data: bytes(data) };
}

/** A storage whose log holds one entry per element of `terms` (index i+1 has term terms[i]). */
export function storageWithLog(voters: readonly NodeId[], terms: readonly number[], hardState?: Partial<HardState>): MemoryStorage {
  const storage = new MemoryStorage(voters);
  storage.append(terms.map((term, i) => entry(i + 1, term, `e${i + 1}`)));
  const lastTerm = terms[terms.length - 1] ?? 0;
  storage.setHardState({ term: hardState?.term ?? lastTerm, vote: hardState?.vote ?? NONE, commit: hardState?.commit ?? 0 });
  return storage;
}

/** The terms of a node's log, index 1 first (compacted entries are reported as 0). */
export function logTerms(raft: Raft): number[] {
  const terms: number[] = [];
  for (let i = 1; i <= raft.log.lastIndex(); i++) terms.push(raft.log.term(i) ?? 0);
  return terms;
}

/** One line per message, for asserting exact sequences. */
export function describeMessage(m: Message): string {
  const head = `${m.type} ${m.from}→${m.to} t${m.term}`;
  switch (m.type) {
    case "vote":
    case "preVote":
      return `${head} last=${m.lastLogIndex}/${m.lastLogTerm}${m.transfer ? " transfer" : ""}`;
    case "voteResponse":
    case "preVoteResponse":
      return `${head}${m.reject ? " reject" : ""}`;
    case "append":
      return `${head} prev=${m.prevLogIndex}/${m.prevLogTerm} entries=[${m.entries.map((e) => `${e.index}/${e.term}`).join(",")}] commit=${m.commit}${m.commitOnly ? " commit-only" : ""}`;
    case "appendResponse":
      return `${head} index=${m.index}${m.reject ? ` reject hint=${m.rejectHintIndex}/${m.rejectHintTerm}` : ""}`;
    case "heartbeat":
      return `${head} commit=${m.commit}${m.context === "" ? "" : ` ctx=${m.context}`}`;
    case "heartbeatResponse":
      return `${head}${m.context === "" ? "" : ` ctx=${m.context}`}`;
    case "snapshot":
      return `${head} at=${m.snapshot.metadata.index}/${m.snapshot.metadata.term}`;
    case "timeoutNow":
      return head;
    case "readIndex":
      return `${head} ctx=${m.context}`;
    case "readIndexResponse":
      return `${head} ctx=${m.context} index=${m.index}`;
  }
}

export interface TestNode {
  readonly id: NodeId;
  raft: Raft;
  readonly storage: MemoryStorage;
  readonly options: NodeOptions;
  /** Entries handed to the state machine, in order (across restarts). */
  readonly applied: Entry[];
  readonly snapshotsApplied: Snapshot[];
  readonly readStates: ReadState[];
  /** Every Ready this node produced through persistAndAdvance, in order. */
  readonly readies: Ready[];
  appliedIndex: number;
}

export type MessageFilter = (m: Message) => boolean;

export class TestNetwork {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages sent and not yet delivered or dropped, oldest first. */
  queue: Message[] = [];
  /** Every message stepped into a node, in order. */
  readonly delivered: Message[] = [];
  private readonly cut = new Set<string>();

  constructor(
    readonly ids: readonly NodeId[],
    options: NodeOptions = {},
    perNode: Readonly<Record<NodeId, NodeOptions & { storage?: MemoryStorage }>> = {},
  ) {
    for (const id of ids) {
      const { storage: given, ...own } = perNode[id] ?? {};
      const storage = given ?? new MemoryStorage(ids);
      const nodeOptions: NodeOptions = { random: fixedRandom(0), ...options, ...own };
      const node: TestNode = { id, storage, options: nodeOptions, raft: this.build(id, storage, nodeOptions, 0), applied: [], snapshotsApplied: [], readStates: [], readies: [], appliedIndex: 0 };
      this.nodes.set(id, node);
    }
  }

  private build(id: NodeId, storage: MemoryStorage, options: NodeOptions, applied: number): Raft {
    return new Raft({ random: fixedRandom(0), ...options, id, storage, applied });
  }

  node(id: NodeId): TestNode {
    const node = this.nodes.get(id);
    assert.ok(node !== undefined, `no node ${id}`);
    return node;
  }

  raft(id: NodeId): Raft {
    return this.node(id).raft;
  }

  /** Rebuilds a node's Raft from its storage, as after a crash; `applied` defaults to what it applied. */
  restart(id: NodeId, applied?: number, options: NodeOptions = {}): Raft {
    const node = this.node(id);
    node.raft = this.build(id, node.storage, { ...node.options, ...options }, applied ?? node.appliedIndex);
    node.appliedIndex = node.raft.log.applied;
    return node.raft;
  }

  /** One driver cycle: persist snapshot, entries, hard state; send; apply; advance. */
  persistAndAdvance(id: NodeId): Ready | undefined {
    const node = this.node(id);
    if (!node.raft.hasReady()) return undefined;
    const ready = node.raft.ready();
    node.readies.push(ready);
    this.persist(node, ready);
    this.queue.push(...ready.messages);
    this.apply(node, ready);
    node.raft.advance();
    return ready;
  }

  /** Persists a Ready that the caller took itself (for tests that interleave the cycle). */
  persist(node: TestNode, ready: Ready): void {
    if (ready.snapshot !== undefined) node.storage.applySnapshot(ready.snapshot);
    node.storage.append(ready.entries);
    if (ready.hardState !== undefined) node.storage.setHardState(ready.hardState);
  }

  apply(node: TestNode, ready: Ready): void {
    if (ready.snapshot !== undefined) {
      node.snapshotsApplied.push(ready.snapshot);
      node.appliedIndex = ready.snapshot.metadata.index;
    }
    for (const e of ready.committedEntries) {
      assert.equal(e.index, node.appliedIndex + 1, `${node.id} applies ${e.index} after ${node.appliedIndex}`);
      node.applied.push(e);
      node.appliedIndex = e.index;
    }
    node.readStates.push(...ready.readStates);
  }

  /** Runs ready cycles on every node until none has anything to do. */
  flush(): void {
    for (let rounds = 0; ; rounds++) {
      assert.ok(rounds < 1000, "ready cycles do not settle");
      let any = false;
      for (const id of this.ids) if (this.persistAndAdvance(id) !== undefined) any = true;
      if (!any) return;
    }
  }

  private isCut(m: Message): boolean {
    return this.cut.has(`${m.from}>${m.to}`);
  }

  /** Steps one message into its recipient (unless the link is cut) and runs the ready cycles. */
  deliver(m: Message): void {
    if (this.isCut(m)) return;
    this.delivered.push(m);
    this.raft(m.to).step(m);
    this.flush();
  }

  /**
   * Delivers queued messages, FIFO, until none matching `filter` is left. Messages on a cut
   * link are dropped; messages not matching `filter` stay queued. Returns what was delivered.
   */
  deliverAll(filter: MessageFilter = () => true): Message[] {
    const done: Message[] = [];
    this.flush();
    for (let steps = 0; ; steps++) {
      assert.ok(steps < 100_000, "messages do not settle");
      this.queue = this.queue.filter((m) => !this.isCut(m));
      const at = this.queue.findIndex(filter);
      if (at < 0) return done;
      const [m] = this.queue.splice(at, 1);
      assert.ok(m !== undefined);
      done.push(m);
      this.deliver(m);
    }
  }

  /** Removes the queued messages matching `filter` (after flushing) and returns them. */
  take(filter: MessageFilter = () => true): Message[] {
    this.flush();
    const taken = this.queue.filter(filter);
    this.queue = this.queue.filter((m) => !filter(m));
    return taken;
  }

  /** Queued messages matching `filter`, left in place. */
  peek(filter: MessageFilter = () => true): Message[] {
    this.flush();
    return this.queue.filter(filter);
  }

  drop(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  /** Cuts every link between the two groups, both ways. */
  partition(left: readonly NodeId[], right: readonly NodeId[]): void {
    for (const a of left) {
      for (const b of right) {
        this.drop(a, b);
        this.drop(b, a);
      }
    }
  }

  isolate(id: NodeId): void {
    this.partition(
      [id],
      this.ids.filter((other) => other !== id),
    );
  }

  heal(): void {
    this.cut.clear();
  }

  /** Ticks `id` n times, running its ready cycles, without delivering anything. */
  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) {
      this.raft(id).tick();
      this.flush();
    }
  }

  /** Ticks every node once and delivers everything, n times. */
  tickAllAndDeliver(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const id of this.ids) this.raft(id).tick();
      this.deliverAll();
    }
  }

  /** Makes `id` campaign and delivers everything; asserts that it won. */
  elect(id: NodeId): Raft {
    this.raft(id).campaign();
    this.deliverAll();
    const raft = this.raft(id);
    assert.equal(raft.role, "leader", `${id} did not win its election`);
    return raft;
  }

  leaders(): NodeId[] {
    return this.ids.filter((id) => this.raft(id).role === "leader");
  }
}

export const isType =
  (...types: Message["type"][]): MessageFilter =>
  (m) =>
    types.includes(m.type);

export const between =
  (from: NodeId, to: NodeId): MessageFilter =>
  (m) =>
    m.from === from && m.to === to;

export const and =
  (...filters: MessageFilter[]): MessageFilter =>
  (m) =>
    filters.every((f) => f(m));

export const not =
  (filter: MessageFilter): MessageFilter =>
  (m) =>
    !filter(m);

export const to =
  (id: NodeId): MessageFilter =>
  (m) =>
    m.to === id;

export const from =
  (id: NodeId): MessageFilter =>
  (m) =>
    m.from === id;

/** For a state-machine-safety check: indexes at which two nodes applied entries of different terms. */
export function appliedConflicts(net: TestNetwork): number[] {
  const termAt = new Map<number, Set<number>>();
  for (const node of net.nodes.values()) {
    for (const e of node.applied) {
      const terms = termAt.get(e.index) ?? new Set<number>();
      terms.add(e.term);
      termAt.set(e.index, terms);
    }
  }
  return [...termAt].filter(([, terms]) => terms.size > 1).map(([index]) => index);
}
