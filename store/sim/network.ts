import type { Message, NodeId } from "../raft/index.js";
import type { Prng } from "./random.js";

/** How the simulated network treats a message right now. */
export interface LinkConditions {
  /** Probability that a message is lost. */
  dropRate: number;
  /** Probability that a message is delivered twice. */
  duplicateRate: number;
  /** Normal one-way delay, uniform in [delayMinUnits, delayMaxUnits]. */
  delayMinUnits: number;
  delayMaxUnits: number;
  /** Probability of a long delay (up to delaySpikeMaxUnits), which reorders messages. */
  delaySpikeRate: number;
  delaySpikeMaxUnits: number;
}

export const calmLinks: LinkConditions = {
  dropRate: 0,
  duplicateRate: 0,
  delayMinUnits: 20,
  delayMaxUnits: 200,
  delaySpikeRate: 0,
  delaySpikeMaxUnits: 0,
};

export interface NetworkStats {
  sent: number;
  dropped: number;
  duplicated: number;
  blocked: number;
}

/**
 * A network that drops, delays, duplicates and reorders messages, and cuts links one way or
 * both ways. It only decides when (and whether) each message arrives; the simulator's event
 * queue delivers it.
 */
export class SimNetwork {
  conditions: LinkConditions = calmLinks;
  private readonly blockedLinks = new Set<string>();
  readonly stats: NetworkStats = { sent: 0, dropped: 0, duplicated: 0, blocked: 0 };

  constructor(private readonly random: Prng) {}

  /** Arrival times (relative delays) for one message: none if lost, two if duplicated. */
  route(message: Message): number[] {
    this.stats.sent += 1;
    if (this.isBlocked(message.from, message.to)) {
      this.stats.blocked += 1;
      return [];
    }
    const c = this.conditions;
    if (this.random.chance(c.dropRate)) {
      this.stats.dropped += 1;
      return [];
    }
    const delays = [this.delay()];
    if (this.random.chance(c.duplicateRate)) {
      this.stats.duplicated += 1;
      delays.push(this.delay());
    }
    return delays;
  }

  /** Whether a message sent now from `from` to `to` would be cut (also checked again on arrival). */
  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blockedLinks.has(linkKey(from, to));
  }

  block(from: NodeId, to: NodeId): void {
    this.blockedLinks.add(linkKey(from, to));
  }

  /** Cuts every link between the two groups, both ways. */
  partition(groupA: readonly NodeId[], groupB: readonly NodeId[]): void {
    for (const a of groupA) {
      for (const b of groupB) {
        this.block(a, b);
        this.block(b, a);
      }
    }
  }

  healLinks(): void {
    this.blockedLinks.clear();
  }

  describeBlocked(): string {
    return [...this.blockedLinks].sort().join(" ");
  }

  private delay(): number {
    const c = this.conditions;
    if (c.delaySpikeRate > 0 && this.random.chance(c.delaySpikeRate)) return this.random.between(c.delayMaxUnits, c.delaySpikeMaxUnits);
    return this.random.between(c.delayMinUnits, c.delayMaxUnits);
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}->${to}`;
}
