import type { Message, NodeId, Ready, UnsafeTestingFlags } from "../raft/index.js";
import { canSendBeforePersist } from "../raft/index.js";
import { EventQueue } from "./event-queue.js";
import { KvStateMachine, decodeCommand, encodeCommand } from "./kv.js";
import type { KvInput, KvOutput, Operation } from "./linearizability.js";
import { checkLinearizability, kvModel } from "./linearizability.js";
import type { LinkConditions } from "./network.js";
import { SimNetwork, calmLinks } from "./network.js";
import { SimNode } from "./node.js";
import { Prng } from "./random.js";
import { SafetyChecker } from "./safety.js";

/** Virtual time: one Raft tick is this many units (think 1 unit = 0.1 ms with 100 ms ticks). */
export const unitsPerTick = 1000;

export interface SimBugs {
  /** Passed to every Raft core. */
  readonly raft?: UnsafeTestingFlags;
  /** The driver sends every message before its Ready is on disk. */
  readonly sendBeforePersist?: boolean;
  /** The network loses every vote response, so no election can finish (a liveness bug). */
  readonly loseVoteResponses?: boolean;
}

export interface SimOptions {
  readonly seed: number;
  /** 3 or 5; chosen by the seed when absent. */
  readonly members?: number;
  /** Ticks of faults after warm-up. */
  readonly chaosTicks?: number;
  readonly bugs?: SimBugs;
  /** Receives a readable, deterministic trace when given. */
  readonly trace?: (line: string) => void;
  readonly traceMessages?: boolean;
  /** Force one fault profile instead of letting the seed choose. */
  readonly profile?: FaultProfileName;
}

export type FaultKind = "crash" | "pause" | "partition" | "isolateLeader" | "oneWay" | "lossy" | "heal" | "transfer" | "strikeLeader";
const faultKinds: readonly FaultKind[] = ["crash", "pause", "partition", "isolateLeader", "oneWay", "lossy", "heal", "transfer", "strikeLeader"];

export interface SimResult {
  readonly seed: number;
  readonly members: number;
  readonly violations: readonly string[];
  /** Virtual ticks the run lasted. */
  readonly ticks: number;
  readonly operations: { readonly completed: number; readonly unknown: number; readonly reads: number; readonly writes: number };
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly messages: { readonly sent: number; readonly dropped: number; readonly duplicated: number; readonly blocked: number };
  /** Ticks from a cold start to the first leader. */
  readonly firstElectionTicks: number | undefined;
  /** Ticks from killing a healthy leader to the next leader. */
  readonly electionAfterLeaderCrashTicks: number | undefined;
  /** Ticks from healing every fault to a leader whose new entry every member applied. */
  readonly recoveryTicks: number | undefined;
  readonly leaderSendsBeforePersist: boolean;
}

type Event =
  | { kind: "tick"; node: SimNode }
  | { kind: "deliver"; message: Message }
  | { kind: "diskDone"; node: SimNode; epoch: number; ready: Ready; sentEarly: number }
  | { kind: "client"; client: SimClient }
  | { kind: "clientTimeout"; client: SimClient; op: number }
  | { kind: "control" }
  | { kind: "fault" }
  | { kind: "restart"; node: SimNode; epoch: number }
  | { kind: "healLinks"; generation: number }
  | { kind: "strikeLeader"; node: SimNode; term: number }
  | { kind: "campaign"; node: SimNode; epoch: number };

interface PendingOperation {
  readonly op: number;
  readonly node: SimNode;
  readonly record: { clientId: number; input: KvInput; call: number };
  /** For writes: where the proposal went in the log. */
  index?: number;
  term?: number;
  /** For reads: the read's context, and its index once the leader confirmed it. */
  context?: string;
  readIndex?: number;
}

interface SimClient {
  readonly id: number;
  opCounter: number;
  leaderHint: NodeId | undefined;
  pending: PendingOperation | undefined;
}

export type FaultProfileName = "mixed" | "leaderChurn";

interface FaultProfile {
  readonly name: FaultProfileName;
  readonly faultGapTicks: readonly [number, number];
  readonly downTicks: readonly [number, number];
  readonly leaderTargetRate: number;
  readonly entriesPerMessageMax: number;
  readonly inflightMessagesMax: number;
  readonly delayMaxUnits: number;
  readonly fiveMembersRate: number;
  /** Chance that a newly elected leader is crashed or cut off within two ticks. */
  readonly newLeaderStrikeRate: number;
  readonly strikeDelayMaxUnits: number;
  readonly weights: Partial<Record<FaultKind, number>>;
}

const mixedProfile: FaultProfile = { name: "mixed", faultGapTicks: [3, 40], downTicks: [2, 80], leaderTargetRate: 0.5, entriesPerMessageMax: 16, inflightMessagesMax: 8, delayMaxUnits: 400, fiveMembersRate: 0.5, newLeaderStrikeRate: 0.1, strikeDelayMaxUnits: 2 * unitsPerTick, weights: {} };
const leaderChurnProfile: FaultProfile = {
  name: "leaderChurn",
  faultGapTicks: [1, 8],
  downTicks: [1, 20],
  leaderTargetRate: 0.9,
  entriesPerMessageMax: 1,
  inflightMessagesMax: 2,
  delayMaxUnits: 1500,
  fiveMembersRate: 0.8,
  newLeaderStrikeRate: 0.8,
  strikeDelayMaxUnits: 600,
  weights: { crash: 6, isolateLeader: 2, pause: 1, partition: 0, oneWay: 0, lossy: 0, heal: 1 },
};

const faultProfiles: Record<FaultProfileName, FaultProfile> = { mixed: mixedProfile, leaderChurn: leaderChurnProfile };

type Phase = "warmup" | "leaderCrash" | "chaos" | "recovery" | "settle" | "done";

const keys = ["a", "b", "c"];
const markerClient = -1;
const opTimeoutUnits = 40 * unitsPerTick;
const recoveryTicksMax = 200;
const warmupTicksMax = 200;
const settleTicksMax = 100;

/**
 * One deterministic run: N Raft nodes, a faulty network, crashes and pauses, clients doing
 * puts, gets (ReadIndex) and compare-and-swaps. Safety is checked as it runs; after the faults
 * heal, liveness; at the end, convergence and linearizability of the client history.
 */
export class Simulation {
  private readonly random: Prng;
  private readonly faultRandom: Prng;
  private readonly clientRandom: Prng;
  private readonly members: number;
  private readonly nodes: SimNode[];
  private readonly byId = new Map<NodeId, SimNode>();
  private readonly network: SimNetwork;
  private readonly queue = new EventQueue<Event>();
  private readonly safety: SafetyChecker;
  private readonly clients: SimClient[] = [];
  private readonly history: Operation<KvInput, KvOutput>[] = [];
  private readonly faultCounts = Object.fromEntries(faultKinds.map((k) => [k, 0])) as Record<FaultKind, number>;
  private readonly faultWeights: Record<FaultKind, number>;
  private readonly profile: FaultProfile;
  private readonly chaosTicks: number;
  private readonly leaderSendsBeforePersist: boolean;
  private readonly diskDelayMaxUnits: number;
  private now = 0;
  private phase: Phase = "warmup";
  private phaseStart = 0;
  private linkGeneration = 0;
  private firstElectionTicks: number | undefined;
  private electionAfterLeaderCrashTicks: number | undefined;
  private recoveryTicks: number | undefined;
  private crashedLeaderTerm = 0;
  private markerProposedTerm = 0;
  private markerValue = "";
  private readonly markerApplied = new Set<NodeId>();
  private readCount = 0;
  private writeCount = 0;
  private unknownCount = 0;
  private readonly violations: string[] = [];

  constructor(private readonly options: SimOptions) {
    this.random = new Prng(options.seed);
    this.faultRandom = this.random.fork();
    this.clientRandom = this.random.fork();
    this.chaosTicks = options.chaosTicks ?? 300;
    this.leaderSendsBeforePersist = this.random.chance(0.5);
    this.diskDelayMaxUnits = this.random.between(0, 400);
    // Two fault profiles: a broad mix, and "leader churn" — leaders crashing or cut off every
    // few ticks, right after proposing, which is what it takes to reach Raft Figure 8.
    const churn = this.random.chance(0.3);
    this.profile = options.profile === undefined ? (churn ? leaderChurnProfile : mixedProfile) : faultProfiles[options.profile];
    this.members = options.members ?? (this.random.chance(this.profile.fiveMembersRate) ? 5 : 3);
    this.faultWeights = {
      crash: this.random.between(0, 4),
      pause: this.random.between(0, 2),
      partition: this.random.between(0, 3),
      isolateLeader: this.random.between(0, 3),
      oneWay: this.random.between(0, 2),
      lossy: this.random.between(0, 2),
      heal: 2,
      transfer: this.random.between(0, 2),
      strikeLeader: 0,
      ...this.profile.weights,
    };
    const ids = Array.from({ length: this.members }, (_, i) => `s${i + 1}`);
    const nodeConfig = {
      electionTimeoutTicks: 10,
      heartbeatTimeoutTicks: 1,
      inflightMessagesMax: this.random.between(1, this.profile.inflightMessagesMax),
      entriesPerMessageMax: this.random.between(1, this.profile.entriesPerMessageMax),
      uncommittedBytesMax: this.random.between(100, 5000),
      snapshotEveryEntries: this.random.between(5, 60),
      compactionKeepEntries: this.random.between(0, 10),
      unsafe: options.bugs?.raft ?? {},
    };
    this.nodes = ids.map((id) => new SimNode(id, ids, nodeConfig, this.random.fork()));
    for (const node of this.nodes) this.byId.set(node.id, node);
    this.network = new SimNetwork(this.random.fork());
    this.network.conditions = { ...calmLinks, delayMaxUnits: this.random.between(50, this.profile.delayMaxUnits) };
    this.safety = new SafetyChecker(() => this.clock());
    const clientCount = this.random.between(2, 5);
    for (let id = 0; id < clientCount; id += 1) this.clients.push({ id, opCounter: 0, leaderHint: undefined, pending: undefined });
  }

  run(): SimResult {
    this.trace(`seed ${this.options.seed}: ${this.members} members, ${this.clients.length} clients, ${this.profile.name} faults, leader sends before persist: ${this.leaderSendsBeforePersist}`);
    for (const node of this.nodes) this.queue.push(this.random.between(1, unitsPerTick), { kind: "tick", node });
    this.queue.push(unitsPerTick, { kind: "control" });
    while (this.phase !== "done") {
      const event = this.queue.pop();
      if (event === undefined) break;
      this.now = event.time;
      try {
        this.handle(event.item);
      } catch (error) {
        // An assertion inside the core is a broken invariant: report it with the seed.
        this.violations.push(`[${this.clock()}] crash: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        break;
      }
      if (this.safety.violations.length > 0 && this.violations.length === 0) break;
    }
    this.finalChecks();
    const stats = this.network.stats;
    return {
      seed: this.options.seed,
      members: this.members,
      violations: [...this.safety.violations, ...this.violations],
      ticks: Math.round(this.now / unitsPerTick),
      operations: { completed: this.history.filter((o) => o.return !== undefined).length, unknown: this.unknownCount, reads: this.readCount, writes: this.writeCount },
      faults: { ...this.faultCounts },
      messages: { ...stats },
      firstElectionTicks: this.firstElectionTicks,
      electionAfterLeaderCrashTicks: this.electionAfterLeaderCrashTicks,
      recoveryTicks: this.recoveryTicks,
      leaderSendsBeforePersist: this.leaderSendsBeforePersist,
    };
  }

  // ---- events ----

  private handle(event: Event): void {
    switch (event.kind) {
      case "tick":
        this.onTick(event.node);
        return;
      case "deliver":
        this.onDeliver(event.message);
        return;
      case "diskDone":
        this.onDiskDone(event.node, event.epoch, event.ready, event.sentEarly);
        return;
      case "client":
        this.onClient(event.client);
        return;
      case "clientTimeout":
        this.onClientTimeout(event.client, event.op);
        return;
      case "control":
        this.onControl();
        return;
      case "fault":
        this.onFault();
        return;
      case "restart":
        if (event.node.epoch === event.epoch && !event.node.up) this.restartNode(event.node);
        return;
      case "healLinks":
        if (event.generation === this.linkGeneration) this.healLinks();
        return;
      case "strikeLeader":
        this.strikeLeader(event.node, event.term);
        return;
      case "campaign":
        // A follower that saw its leader's connection close campaigns early (as store/server does).
        if (event.node.epoch === event.epoch && event.node.raft?.leader === "" && event.node.raft.role === "follower") {
          event.node.raft.campaign();
          this.afterInput(event.node);
        }
        return;
    }
  }

  private onTick(node: SimNode): void {
    // Every node's clock runs a little fast or slow; Raft must not care.
    this.queue.push(this.now + unitsPerTick + this.random.between(-30, 30), { kind: "tick", node });
    if (node.raft === undefined || this.now < node.pausedUntil) return;
    node.raft.tick();
    this.afterInput(node);
  }

  private onDeliver(message: Message): void {
    const node = this.byId.get(message.to);
    if (node?.raft === undefined) return;
    if (this.network.isBlocked(message.from, message.to)) return;
    if (this.now < node.pausedUntil) {
      // A paused process reads its socket when it wakes up.
      this.queue.push(node.pausedUntil + this.random.between(1, 50), { kind: "deliver", message });
      return;
    }
    if (this.options.traceMessages === true) this.trace(`${message.from}->${message.to} ${describeMessage(message)}`);
    node.raft.step(message);
    this.afterInput(node);
  }

  /** After any input: check roles, and start persisting the next Ready if the disk is idle. */
  private afterInput(node: SimNode): void {
    const raft = node.raft;
    if (raft === undefined) return;
    const before = this.safety.leaderOf(raft.term);
    this.safety.observeRole(node);
    if (raft.role === "leader" && before === undefined) this.onNewLeader(node);
    if (node.inFlight !== undefined || !raft.hasReady()) return;
    const ready = raft.ready();
    node.inFlight = ready;
    if (ready.softState !== undefined) this.trace(`${node.id} is ${ready.softState.role} (term ${raft.term}, leader ${ready.softState.leader || "none"})`);
    let sentEarly = 0;
    if (this.options.bugs?.sendBeforePersist === true) sentEarly = ready.messages.length;
    else if (this.leaderSendsBeforePersist) {
      while (sentEarly < ready.messages.length && canSendBeforePersist(ready.messages[sentEarly] as Message)) sentEarly += 1;
    }
    this.sendAll(ready.messages.slice(0, sentEarly));
    const delay = ready.mustSync ? this.random.between(0, this.diskDelayMaxUnits) : 0;
    this.queue.push(this.now + delay, { kind: "diskDone", node, epoch: node.epoch, ready, sentEarly });
  }

  private onDiskDone(node: SimNode, epoch: number, ready: Ready, sentEarly: number): void {
    if (node.epoch !== epoch || node.raft === undefined || node.kv === undefined) return; // lost in a crash
    node.persist(ready);
    this.sendAll(ready.messages.slice(sentEarly));
    if (ready.snapshot !== undefined) this.installSnapshot(node, ready);
    for (const entry of ready.committedEntries) this.applyEntry(node, entry);
    for (const readState of ready.readStates) this.onReadState(node, readState.context, readState.index);
    // The marker counts once its put is in this node's state, applied or arrived in a snapshot.
    if (this.markerValue !== "" && node.kv.get("marker") === this.markerValue) this.markerApplied.add(node.id);
    node.inFlight = undefined;
    node.raft.advance();
    node.maybeSnapshot();
    this.serveWaitingReads(node);
    this.afterInput(node);
  }

  private installSnapshot(node: SimNode, ready: Ready): void {
    const snapshot = ready.snapshot;
    if (snapshot === undefined) return;
    node.kv = KvStateMachine.restore(snapshot.data);
    this.safety.observeSnapshotInstall(node, snapshot.metadata.index, node.kv.fingerprint());
    node.appliedIndex = snapshot.metadata.index;
    this.trace(`${node.id} installed snapshot at ${snapshot.metadata.index}`);
  }

  private applyEntry(node: SimNode, entry: { index: number; term: number; data: Uint8Array }): void {
    const kv = node.kv;
    if (kv === undefined) return;
    let output: KvOutput | undefined;
    let command: ReturnType<typeof decodeCommand> | undefined;
    if (entry.data.byteLength > 0) {
      command = decodeCommand(entry.data);
      output = kv.apply(command.input);
    }
    this.safety.observeApply(node, entry, kv.fingerprint());
    node.appliedIndex = entry.index;
    for (const client of this.clients) {
      const pending = client.pending;
      if (pending === undefined || pending.node !== node || pending.index !== entry.index) continue;
      if (command !== undefined && command.client === client.id && command.op === pending.op && entry.term === pending.term) {
        this.complete(client, output);
      } else {
        // Another entry took our proposal's place: it was never committed.
        this.discard(client, "overwritten");
      }
    }
  }

  private sendAll(messages: readonly Message[]): void {
    for (const message of messages) {
      if (this.options.bugs?.loseVoteResponses === true && (message.type === "voteResponse" || message.type === "preVoteResponse")) continue;
      for (const delay of this.network.route(message)) this.queue.push(this.now + delay, { kind: "deliver", message });
    }
  }

  // ---- clients ----

  private onClient(client: SimClient): void {
    if (client.pending !== undefined || !this.clientsActive()) return;
    const r = this.clientRandom;
    const key = r.pick(keys);
    client.opCounter += 1;
    const op = client.opCounter;
    const roll = r.float();
    const input: KvInput =
      roll < 0.4
        ? { kind: "get", key }
        : roll < 0.8
          ? { kind: "put", key, value: `c${client.id}-${op}` }
          : { kind: "cas", key, expected: r.chance(0.5) ? null : `c${r.int(this.clients.length)}-${r.between(1, Math.max(1, op))}`, value: `c${client.id}-${op}` };
    const hinted = client.leaderHint === undefined ? undefined : this.byId.get(client.leaderHint);
    const node = hinted?.raft !== undefined && r.chance(0.8) ? hinted : r.pick(this.nodes);
    const raft = node.raft;
    if (raft === undefined) {
      this.retryLater(client);
      return;
    }
    const pending: PendingOperation = { op, node, record: { clientId: client.id, input, call: this.now } };
    if (input.kind === "get") {
      const context = `c${client.id}-r${op}`;
      const result = raft.readIndex(context);
      if (!result.ok) {
        client.leaderHint = undefined;
        this.retryLater(client);
        return;
      }
      pending.context = context;
      this.readCount += 1;
    } else {
      const result = raft.propose(encodeCommand({ client: client.id, op, input }));
      if (!result.ok) {
        client.leaderHint = result.leader === "" ? undefined : result.leader;
        this.retryLater(client);
        return;
      }
      pending.index = result.index;
      pending.term = result.term;
      this.writeCount += 1;
    }
    client.pending = pending;
    this.queue.push(this.now + opTimeoutUnits, { kind: "clientTimeout", client, op });
    this.afterInput(node);
  }

  private onReadState(node: SimNode, context: string, index: number): void {
    for (const client of this.clients) {
      const pending = client.pending;
      if (pending?.node === node && pending.context === context) pending.readIndex = index;
    }
  }

  /** Serves reads whose read index is now applied on the node that took them. */
  private serveWaitingReads(node: SimNode): void {
    for (const client of this.clients) {
      const pending = client.pending;
      if (pending?.node !== node || pending.readIndex === undefined || node.appliedIndex < pending.readIndex) continue;
      const input = pending.record.input;
      if (input.kind !== "get" || node.kv === undefined) continue;
      this.complete(client, { kind: "get", value: node.kv.get(input.key) });
    }
  }

  private complete(client: SimClient, output: KvOutput | undefined): void {
    const pending = client.pending;
    if (pending === undefined) return;
    this.history.push({ ...pending.record, output, return: this.now });
    this.trace(`client ${client.id} ${describeInput(pending.record.input)} at ${pending.node.id} → ${describeOutput(output)} (called ${(pending.record.call / unitsPerTick).toFixed(3)})`);
    client.pending = undefined;
    client.leaderHint = pending.node.id;
    this.queue.push(this.now + this.clientRandom.between(1, 2 * unitsPerTick), { kind: "client", client });
  }

  /** The operation certainly had no effect: leave it out of the history. */
  private discard(client: SimClient, _why: string): void {
    client.pending = undefined;
    this.retryLater(client);
  }

  /** The outcome is unknown: a write may or may not have happened; a read is simply dropped. */
  private giveUp(client: SimClient): void {
    const pending = client.pending;
    if (pending === undefined) return;
    if (pending.record.input.kind !== "get") {
      this.history.push({ ...pending.record, output: undefined, return: undefined });
      this.unknownCount += 1;
    }
    this.trace(`client ${client.id} ${describeInput(pending.record.input)} at ${pending.node.id} → outcome unknown`);
    client.pending = undefined;
    client.leaderHint = undefined;
    this.retryLater(client);
  }

  private onClientTimeout(client: SimClient, op: number): void {
    if (client.pending?.op === op) this.giveUp(client);
  }

  private retryLater(client: SimClient): void {
    this.queue.push(this.now + this.clientRandom.between(unitsPerTick / 2, 3 * unitsPerTick), { kind: "client", client });
  }

  private clientsActive(): boolean {
    return this.phase === "warmup" || this.phase === "leaderCrash" || this.phase === "chaos" || this.phase === "recovery";
  }

  // ---- phases ----

  private onControl(): void {
    this.queue.push(this.now + unitsPerTick, { kind: "control" });
    const elapsedTicks = (this.now - this.phaseStart) / unitsPerTick;
    if (Math.round(this.now / unitsPerTick) % 20 === 0) this.safety.checkLogMatching(this.nodes);
    switch (this.phase) {
      case "warmup":
        if (this.firstElectionTicks !== undefined && elapsedTicks >= 20) this.crashLeaderForMeasurement();
        else if (elapsedTicks > warmupTicksMax) this.failLiveness("no leader after a cold start");
        return;
      case "leaderCrash":
        if (elapsedTicks > warmupTicksMax) this.failLiveness("no new leader after the leader crashed");
        return;
      case "chaos":
        if (elapsedTicks >= this.chaosTicks) this.startRecovery();
        return;
      case "recovery":
        this.driveRecovery(elapsedTicks);
        return;
      case "settle":
        if (this.clients.every((c) => c.pending === undefined) && this.converged() === undefined) this.enterPhase("done");
        else if (elapsedTicks > settleTicksMax) this.failLiveness(`no convergence ${settleTicksMax} ticks after recovery: ${this.converged() ?? "clients still waiting"}`);
        return;
      case "done":
        return;
    }
  }

  private onNewLeader(node: SimNode): void {
    const term = node.raft?.term ?? 0;
    if (this.phase === "warmup" && this.firstElectionTicks === undefined) {
      this.firstElectionTicks = this.ticksSince(0);
      for (const client of this.clients) this.queue.push(this.now + this.clientRandom.between(1, unitsPerTick), { kind: "client", client });
    } else if (this.phase === "leaderCrash" && term > this.crashedLeaderTerm) {
      this.electionAfterLeaderCrashTicks = this.ticksSince(this.phaseStart);
      this.startChaos();
    } else if (this.phase === "chaos" && this.faultRandom.chance(this.profile.newLeaderStrikeRate)) {
      // A leader that dies while its first entries are half replicated (Raft Figure 8).
      this.queue.push(this.now + this.faultRandom.between(0, this.profile.strikeDelayMaxUnits), { kind: "strikeLeader", node, term });
    }
  }

  private crashLeaderForMeasurement(): void {
    const leader = this.currentLeader();
    if (leader?.raft === undefined) return;
    this.crashedLeaderTerm = leader.raft.term;
    this.enterPhase("leaderCrash");
    this.crashNode(leader, 5, false);
  }

  private startChaos(): void {
    this.enterPhase("chaos");
    this.queue.push(this.now + this.faultRandom.between(2, 20) * unitsPerTick, { kind: "fault" });
  }

  private startRecovery(): void {
    this.enterPhase("recovery");
    this.healLinks();
    this.network.conditions = { ...calmLinks, delayMaxUnits: this.network.conditions.delayMaxUnits };
    for (const node of this.nodes) {
      node.pausedUntil = 0;
      if (!node.up) this.restartNode(node);
    }
    this.markerApplied.clear();
  }

  /** After healing: a leader must emerge and get a new entry applied on every member. */
  private driveRecovery(elapsedTicks: number): void {
    if (this.markerApplied.size === this.members) {
      this.recoveryTicks = this.ticksSince(this.phaseStart);
      this.enterPhase("settle");
      return;
    }
    if (elapsedTicks > recoveryTicksMax) {
      this.failLiveness(`no leader with a new entry applied everywhere ${recoveryTicksMax} ticks after healing`);
      return;
    }
    const leader = this.currentLeader();
    const raft = leader?.raft;
    if (leader === undefined || raft === undefined || this.markerProposedTerm === raft.term) return;
    const value = `t${raft.term}`;
    const result = raft.propose(encodeCommand({ client: markerClient, op: raft.term, input: { kind: "put", key: "marker", value } }));
    if (result.ok) {
      this.markerProposedTerm = raft.term;
      this.markerValue = value;
      this.markerApplied.clear();
    }
    this.afterInput(leader);
  }

  private failLiveness(what: string): void {
    const states = this.nodes.map((n) => {
      const raft = n.raft;
      if (raft === undefined) return `${n.id} down`;
      const progress = [...raft.status().progress].map(([id, p]) => `${id}:${p.state}/${p.match}/${p.next}`).join(",");
      return `${n.id} ${raft.role} t${raft.term} commit ${raft.log.committed} applied ${n.appliedIndex} last ${raft.log.lastIndex()}${progress === "" ? "" : ` [${progress}]`}`;
    });
    this.violations.push(`[${this.clock()}] liveness: ${what} (${states.join("; ")})`);
    this.enterPhase("done");
  }

  private enterPhase(phase: Phase): void {
    this.trace(`--- ${phase}`);
    this.phase = phase;
    this.phaseStart = this.now;
  }

  // ---- faults ----

  private onFault(): void {
    if (this.phase !== "chaos") return;
    const [gapMin, gapMax] = this.profile.faultGapTicks;
    this.queue.push(this.now + this.faultRandom.between(gapMin, gapMax) * unitsPerTick, { kind: "fault" });
    const kind = this.pickFault();
    if (kind === undefined) return;
    this.faultCounts[kind] += 1;
    const r = this.faultRandom;
    const target = (): SimNode => {
      const leader = this.currentLeader();
      return leader !== undefined && r.chance(this.profile.leaderTargetRate) ? leader : r.pick(this.nodes);
    };
    switch (kind) {
      case "crash": {
        const node = target();
        if (node.up) this.crashNode(node, r.between(this.profile.downTicks[0], this.profile.downTicks[1]));
        return;
      }
      case "pause": {
        const node = target();
        node.pausedUntil = this.now + r.between(5, 40) * unitsPerTick;
        this.trace(`${node.id} paused for ${((node.pausedUntil - this.now) / unitsPerTick).toFixed(0)} ticks`);
        return;
      }
      case "partition": {
        const ids = this.nodes.map((n) => n.id);
        const side = ids.filter(() => r.chance(0.5));
        if (side.length === 0 || side.length === ids.length) return;
        this.cutLinks(() => this.network.partition(side, ids.filter((id) => !side.includes(id))));
        return;
      }
      case "isolateLeader": {
        const leader = this.currentLeader();
        if (leader === undefined) return;
        this.cutLinks(() => this.network.partition([leader.id], this.nodes.filter((n) => n !== leader).map((n) => n.id)));
        return;
      }
      case "oneWay": {
        const from = target().id;
        const to = r.pick(this.nodes.filter((n) => n.id !== from)).id;
        this.cutLinks(() => this.network.block(from, to));
        return;
      }
      case "lossy":
        this.network.conditions = this.randomLinks();
        this.trace(`network: drop ${this.network.conditions.dropRate.toFixed(2)}, duplicate ${this.network.conditions.duplicateRate.toFixed(2)}, spikes ${this.network.conditions.delaySpikeRate.toFixed(2)}`);
        return;
      case "transfer": {
        const leader = this.currentLeader();
        if (leader?.raft === undefined) return;
        const to = r.pick(this.nodes.filter((n) => n !== leader)).id;
        this.trace(`${leader.id} transfers leadership to ${to}`);
        leader.raft.transferLeadership(to);
        this.afterInput(leader);
        return;
      }
      case "heal":
        this.healLinks();
        this.network.conditions = { ...calmLinks, delayMaxUnits: this.network.conditions.delayMaxUnits };
        return;
    }
  }

  private pickFault(): FaultKind | undefined {
    const total = faultKinds.reduce((sum, k) => sum + this.faultWeights[k], 0);
    let roll = this.faultRandom.int(total);
    for (const kind of faultKinds) {
      roll -= this.faultWeights[kind];
      if (roll < 0) return kind;
    }
    return undefined;
  }

  private randomLinks(): LinkConditions {
    const r = this.faultRandom;
    return {
      dropRate: r.float() * 0.2,
      duplicateRate: r.float() * 0.1,
      delayMinUnits: 10,
      delayMaxUnits: r.between(50, 600),
      delaySpikeRate: r.float() * 0.1,
      delaySpikeMaxUnits: r.between(600, 5 * unitsPerTick),
    };
  }

  private cutLinks(cut: () => void): void {
    this.healLinks();
    cut();
    this.linkGeneration += 1;
    this.trace(`links cut: ${this.network.describeBlocked()}`);
    this.queue.push(this.now + this.faultRandom.between(5, 80) * unitsPerTick, { kind: "healLinks", generation: this.linkGeneration });
  }

  private healLinks(): void {
    this.network.healLinks();
    this.linkGeneration += 1;
  }

  private strikeLeader(node: SimNode, term: number): void {
    const raft = node.raft;
    if (this.phase !== "chaos" || raft === undefined || raft.role !== "leader" || raft.term !== term) return;
    this.faultCounts.strikeLeader += 1;
    const r = this.faultRandom;
    if (r.chance(0.5)) this.crashNode(node, r.between(this.profile.downTicks[0], this.profile.downTicks[1]));
    else this.cutLinks(() => this.network.partition([node.id], this.nodes.filter((n) => n !== node).map((n) => n.id)));
  }

  /** `peersNotice`: its peers see its connections close (a real kill -9); off for the timeout-only election measurement. */
  private crashNode(node: SimNode, downTicks: number, peersNotice = true): void {
    this.trace(`${node.id} crashed (down ${downTicks} ticks)`);
    for (const client of this.clients) if (client.pending?.node === node) this.giveUp(client);
    // Its peers see its connections close: most forget it as leader and campaign early.
    for (const peer of this.nodes) {
      if (!peersNotice || peer === node || peer.raft?.leader !== node.id || !this.faultRandom.chance(0.7)) continue;
      peer.raft.forgetLeader();
      this.queue.push(this.now + this.faultRandom.between(0, 2 * unitsPerTick), { kind: "campaign", node: peer, epoch: peer.epoch });
    }
    node.crash();
    this.queue.push(this.now + downTicks * unitsPerTick, { kind: "restart", node, epoch: node.epoch });
  }

  private restartNode(node: SimNode): void {
    node.restart();
    this.trace(`${node.id} restarted (term ${node.raft?.term}, applied ${node.appliedIndex}, last index ${node.raft?.log.lastIndex()})`);
    this.afterInput(node);
  }

  // ---- end ----

  private finalChecks(): void {
    if (this.violations.length > 0 || this.safety.violations.length > 0) return;
    this.safety.checkLogMatching(this.nodes);
    const result = checkLinearizability(kvModel, this.history, { maxSteps: 2_000_000 });
    if (result.kind === "violation") {
      this.violations.push(`linearizability: key partition ${result.partition}: could not place ${result.unexplained.slice(0, 5).join("; ")}`);
    } else if (result.kind === "unknown") {
      this.violations.push(`linearizability check gave up: ${result.reason}`);
    }
  }

  /** Why the members have not converged (same applied index and state), or undefined if they have. */
  private converged(): string | undefined {
    const first = this.nodes[0];
    if (first?.kv === undefined) return `${first?.id} is down`;
    const fingerprint = first.kv.fingerprint();
    for (const node of this.nodes) {
      if (node.kv === undefined) return `${node.id} is down`;
      if (node.appliedIndex !== first.appliedIndex) return `${node.id} applied ${node.appliedIndex}, ${first.id} ${first.appliedIndex}`;
      if (node.kv.fingerprint() !== fingerprint) return `${node.id} state differs from ${first.id} at ${node.appliedIndex}`;
    }
    return undefined;
  }

  private currentLeader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const node of this.nodes) {
      const raft = node.raft;
      if (raft?.role === "leader" && (best?.raft === undefined || raft.term > best.raft.term)) best = node;
    }
    return best;
  }

  private ticksSince(start: number): number {
    return Math.round((this.now - start) / unitsPerTick);
  }

  private clock(): string {
    return (this.now / unitsPerTick).toFixed(3);
  }

  private trace(line: string): void {
    this.options.trace?.(`[${this.clock().padStart(9)}] ${line}`);
  }
}

function describeInput(input: KvInput): string {
  switch (input.kind) {
    case "get":
      return `get(${input.key})`;
    case "put":
      return `put(${input.key}, ${input.value})`;
    case "cas":
      return `cas(${input.key}, ${input.expected ?? "absent"} → ${input.value})`;
  }
}

function describeOutput(output: KvOutput | undefined): string {
  if (output === undefined) return "?";
  switch (output.kind) {
    case "get":
      return output.value ?? "absent";
    case "put":
      return "ok";
    case "cas":
      return output.ok ? "ok" : "failed";
  }
}

function describeMessage(message: Message): string {
  switch (message.type) {
    case "append":
      return `append t${message.term} prev=${message.prevLogIndex}/${message.prevLogTerm} n=${message.entries.length} commit=${message.commit}`;
    case "appendResponse":
      return `appendResponse t${message.term} index=${message.index}${message.reject ? ` reject hint=${message.rejectHintIndex}/${message.rejectHintTerm}` : ""}`;
    case "vote":
    case "preVote":
      return `${message.type} t${message.term} last=${message.lastLogIndex}/${message.lastLogTerm}${message.transfer ? " transfer" : ""}`;
    case "voteResponse":
    case "preVoteResponse":
      return `${message.type} t${message.term} ${message.reject ? "reject" : "grant"}`;
    case "heartbeat":
      return `heartbeat t${message.term} commit=${message.commit}${message.context === "" ? "" : ` ctx=${message.context}`}`;
    case "snapshot":
      return `snapshot t${message.term} at ${message.snapshot.metadata.index}/${message.snapshot.metadata.term}`;
    default:
      return `${message.type} t${message.term}`;
  }
}

export function runSimulation(options: SimOptions): SimResult {
  return new Simulation(options).run();
}
