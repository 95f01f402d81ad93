// Runs the fault schedule against the cluster: kills and restarts, pauses and resumes members,
// and sets the peer-link proxies. Each fault heals itself after its duration; healAll() heals
// everything at once (the end of the fault phase).
import type { ChaosCluster, ChaosMember } from "./cluster.js";
import { sleep } from "./cluster.js";
import type { Clock, FaultRecord } from "./history.js";
import type { LinkFault, LinkProxy } from "./proxy.js";
import { healthyLink } from "./proxy.js";
import type { ScheduledFault } from "./schedule.js";
import { describeFault } from "./schedule.js";

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
    const processFault = fault.kind === "kill" || fault.kind === "pause";
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
      default: {
        const links = this.network(fault, target, record);
        await this.hold(fault.durationMs);
        for (const link of links) link.heal();
      }
    }
    record.endMs = this.clock.now();
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
