// Runs the fault schedule against the cluster: kills and restarts, pauses and resumes members,
// and sets the peer-link proxies. Each fault heals itself after its duration; healAll() heals
// everything at once (the end of the fault phase).
import fs from "node:fs";
import path from "node:path";
import { crashPointFile, dropUnsyncedWrites } from "../../store/server/index.js";
import type { ChaosCluster, ChaosMember } from "./cluster.js";
import { sleep } from "./cluster.js";
import type { Clock, FaultRecord } from "./history.js";
import type { LinkFault, LinkProxy } from "./proxy.js";
import { healthyLink } from "./proxy.js";
import type { ScheduledFault } from "./schedule.js";
import { describeFault, processFaultKinds } from "./schedule.js";

export class Nemesis {
  readonly records: FaultRecord[] = [];
  private readonly busy = new Set<string>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly healing = new AbortController();
  /** Resolves when healAll() starts: one promise for every wait, not one listener each. */
  private readonly healed = aborted(this.healing.signal);

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly clock: Clock,
    private readonly log: (line: string) => void,
    private readonly onError: (where: string, error: unknown) => void,
  ) {}

  /** Starts each fault at its time (from `originMs` on the run clock) until the schedule is done or healAll(). */
  async run(schedule: readonly ScheduledFault[], originMs: number): Promise<void> {
    for (const fault of schedule) {
      const waitMs = originMs + fault.atMs - this.clock.now();
      await Promise.race([sleep(waitMs), this.healed]);
      if (this.healing.signal.aborted) break;
      const task = this.inject(fault).catch((error: unknown) => this.onError(`fault ${fault.id} (${fault.kind})`, error));
      this.tasks.add(task);
      void task.finally(() => this.tasks.delete(task));
    }
    await Promise.all(this.tasks);
  }

  /** Ends every fault now: restarts the killed, resumes the paused, heals every link. */
  async healAll(): Promise<void> {
    this.healing.abort();
    await Promise.all(this.tasks);
    for (const m of this.cluster.members) if (m.state === "paused") this.cluster.resume(m);
    this.cluster.proxies.healAll();
    await Promise.all(this.cluster.members.filter((m) => m.state === "killed").map((m) => this.cluster.start(m)));
  }

  private async hold(durationMs: number): Promise<void> {
    await Promise.race([sleep(durationMs), this.healed]);
  }

  private async inject(fault: ScheduledFault): Promise<void> {
    const record: FaultRecord = { id: fault.id, kind: fault.kind, description: describeFault(fault), startMs: this.clock.now(), members: [] };
    this.records.push(record);
    const processFault = (processFaultKinds as readonly string[]).includes(fault.kind);
    const target = await this.resolveTarget(fault, processFault);
    if (target === undefined) {
      record.skipped = "no member available";
      record.endMs = this.clock.now();
      return;
    }
    record.members.push(target.name);
    this.log(`fault ${fault.id}: ${record.description} -> ${target.name}`);
    switch (fault.kind) {
      case "kill":
        this.busy.add(target.name);
        try {
          await this.cluster.kill(target);
          await this.hold(fault.durationMs);
          if (target.state === "killed") await this.cluster.start(target);
        } finally {
          this.busy.delete(target.name);
        }
        break;
      case "pause":
        this.busy.add(target.name);
        try {
          this.cluster.pause(target);
          await this.hold(fault.durationMs);
          this.cluster.resume(target);
        } finally {
          this.busy.delete(target.name);
        }
        break;
      case "power-loss":
        await this.powerLoss(fault, target, record);
        break;
      case "crash":
        await this.crash(fault, target, record);
        break;
      default: {
        const links = this.network(fault, target, record);
        await this.hold(fault.durationMs);
        for (const link of links) link.heal();
      }
    }
    record.endMs = this.clock.now();
  }

  /**
   * kill -9, then what a power cut does to the disk: each victim loses every write that was not
   * fsync'd (see dropUnsyncedWrites). An outage hits every member at once, when no other process
   * fault is going on.
   */
  private async powerLoss(fault: ScheduledFault, target: ChaosMember, record: FaultRecord): Promise<void> {
    const members = this.cluster.members;
    const outage = fault.outage === true && this.busy.size === 0 && members.every((m) => m.state === "running");
    const victims = outage ? members : [target];
    record.members.splice(0, record.members.length, ...victims.map((m) => m.name));
    for (const m of victims) this.busy.add(m.name);
    try {
      await Promise.all(victims.map((m) => this.cluster.kill(m)));
      record.droppedBytes = victims.reduce((sum, m) => sum + dropUnsyncedWrites(m.dataDir), 0);
      await this.hold(fault.durationMs);
      await Promise.all(victims.filter((m) => m.state === "killed").map((m) => this.cluster.start(m)));
    } finally {
      for (const m of victims) this.busy.delete(m.name);
    }
  }

  /**
   * Arms a crash point in the member (the point's name in its data dir, then SIGUSR2) and waits
   * for it to die there; restarts it at once, as a supervisor would. A snapshot point needs a
   * snapshot: the member is cut off first, so that the leader compacts past it. A point not
   * reached in time is disarmed.
   */
  private async crash(fault: ScheduledFault, target: ChaosMember, record: FaultRecord): Promise<void> {
    this.busy.add(target.name);
    try {
      fs.writeFileSync(path.join(target.dataDir, crashPointFile), `${fault.crashPoint ?? ""}@${fault.crashHits ?? 1}`);
      this.cluster.signal(target, "SIGUSR2");
      const isolateMs = fault.isolateMs ?? 0;
      if (isolateMs > 0) {
        const links = this.cluster.proxies.linksOf(target.name, "both");
        for (const link of links) link.setFault({ ...healthyLink, blackhole: true }, true);
        await this.hold(isolateMs);
        for (const link of links) link.heal();
      }
      record.crashed = await this.cluster.waitForExit(target, fault.durationMs - isolateMs, this.healed);
      if (record.crashed) {
        await this.cluster.start(target);
      } else if (target.state === "running") {
        fs.writeFileSync(path.join(target.dataDir, crashPointFile), "");
        this.cluster.signal(target, "SIGUSR2");
      }
    } finally {
      this.busy.delete(target.name);
    }
  }

  /** Sets the proxies for a network fault; returns the links to heal afterwards. */
  private network(fault: ScheduledFault, target: ChaosMember, record: FaultRecord): LinkProxy[] {
    const mesh = this.cluster.proxies;
    const names = this.cluster.members.map((m) => m.name);
    const set = (links: LinkProxy[], linkFault: LinkFault, reset = false): LinkProxy[] => {
      for (const link of links) link.setFault(linkFault, reset);
      return links;
    };
    const linksOfScope = (): LinkProxy[] => (fault.scope === "member" ? mesh.linksOf(target.name, "both") : mesh.all());
    switch (fault.kind) {
      case "split":
      case "isolate-leader": {
        const size = fault.kind === "split" ? (fault.minoritySize ?? 1) : 1;
        const others = fault.fallback.map((i) => names[i] as string).filter((n) => n !== target.name);
        const minority = [target.name, ...others.slice(0, size - 1)];
        const majority = names.filter((n) => !minority.includes(n));
        record.members.splice(0, record.members.length, ...minority);
        return mesh.partition(minority, majority, fault.reset === true);
      }
      case "one-way": {
        const cut = { ...healthyLink, blackhole: true };
        if (fault.direction === "single") {
          const peer = names[(target.index + (fault.peerOffset ?? 1)) % names.length] as string;
          record.members.push(peer);
          return set([mesh.link(target.name, peer)], cut, fault.reset === true);
        }
        return set(mesh.linksOf(target.name, fault.direction === "in" ? "in" : "out"), cut, fault.reset === true);
      }
      case "delay":
        return set(linksOfScope(), { ...healthyLink, delayMs: fault.delayMs ?? 0, jitterMs: fault.jitterMs ?? 0 });
      case "loss":
        return set(mesh.all(), { ...healthyLink, lossRate: fault.lossRate ?? 0, duplicateRate: fault.duplicateRate ?? 0 });
      case "flaky":
        return set(linksOfScope(), { ...healthyLink, flakyMeanMs: fault.flakyMeanMs ?? 500 });
      default:
        return [];
    }
  }

  /**
   * The fault's member: the leader now (if one is known) or the scheduled member; if that one is
   * not available (down or paused, or already hit by another process fault), the next in the
   * fault's fallback order.
   */
  private async resolveTarget(fault: ScheduledFault, processFault: boolean): Promise<ChaosMember | undefined> {
    const members = this.cluster.members;
    const available = (m: ChaosMember): boolean => !processFault || (m.state === "running" && !this.busy.has(m.name));
    let wanted: ChaosMember | undefined;
    if ("leader" in fault.target) wanted = await this.cluster.leader(500);
    else wanted = members[fault.target.member];
    if (wanted !== undefined && available(wanted)) return wanted;
    // No leader known (or it is taken): the fallback order decides, for isolate-leader too.
    for (const index of fault.fallback) {
      const m = members[index];
      if (m !== undefined && available(m)) return m;
    }
    return undefined;
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
