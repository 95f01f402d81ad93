import type { Entry, NodeId } from "../raft/index.js";
import type { SimNode } from "./node.js";

/**
 * Raft's safety properties (Raft Figure 3), checked continuously while a simulation runs:
 * election safety, log matching, leader completeness, state machine safety, and applied
 * indexes that never go backwards within a node's life.
 */
export class SafetyChecker {
  readonly violations: string[] = [];
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** Every entry any node applied: index → entry (a committed entry never changes). */
  private readonly committed = new Map<number, Entry>();
  /**
   * For each committed index, the term of the first node seen applying it: never below the term
   * in which it was committed, so checking leaders of later terms only is sound.
   */
  private readonly committedByTerm = new Map<number, number>();
  /** State machine fingerprint after applying each index. */
  private readonly stateAt = new Map<number, string>();

  constructor(private readonly now: () => string) {}

  private fail(what: string): void {
    if (this.violations.length < 20) this.violations.push(`[${this.now()}] ${what}`);
  }

  /** Election safety: at most one leader per term. Called after every input to a node. */
  observeRole(node: SimNode): void {
    const raft = node.raft;
    if (raft === undefined || raft.role !== "leader") return;
    const known = this.leaderOfTerm.get(raft.term);
    if (known === undefined) {
      this.leaderOfTerm.set(raft.term, node.id);
      this.checkLeaderCompleteness(node);
    } else if (known !== node.id) {
      this.fail(`election safety: ${known} and ${node.id} both lead term ${raft.term}`);
    }
  }

  leaderOf(term: number): NodeId | undefined {
    return this.leaderOfTerm.get(term);
  }

  /**
   * Leader completeness (Raft §5.4): an entry committed in term T is in the log of every
   * leader of a term after T. (A leader of an earlier term may be elected late, its votes
   * delayed in the network, and legitimately lack it.)
   */
  private checkLeaderCompleteness(node: SimNode): void {
    const raft = node.raft;
    if (raft === undefined) return;
    const firstIndex = raft.log.firstIndex();
    for (const [index, entry] of this.committed) {
      const committedBy = this.committedByTerm.get(index) ?? Infinity;
      if (committedBy >= raft.term || index < firstIndex) continue;
      const term = raft.log.term(index);
      if (term !== entry.term) {
        this.fail(`leader completeness: ${node.id} leads term ${raft.term} with ${term === undefined ? "no entry" : `term ${term}`} at ${index}, committed with term ${entry.term} by term ${committedBy}`);
        return;
      }
    }
  }

  /** State machine safety, and applied indexes that only move forward by one. */
  observeApply(node: SimNode, entry: Entry, fingerprint: string): void {
    if (entry.index !== node.appliedIndex + 1) {
      this.fail(`applied order: ${node.id} applied ${entry.index} after ${node.appliedIndex}`);
    }
    const known = this.committed.get(entry.index);
    if (known === undefined) {
      this.committed.set(entry.index, entry);
      this.committedByTerm.set(entry.index, node.raft?.term ?? Infinity);
    } else if (known.term !== entry.term || !sameBytes(known.data, entry.data)) {
      this.fail(`state machine safety: ${node.id} applied term ${entry.term} at ${entry.index}, others applied term ${known.term}`);
    }
    this.checkState(node, entry.index, fingerprint);
  }

  observeSnapshotInstall(node: SimNode, index: number, fingerprint: string): void {
    if (index <= node.appliedIndex) this.fail(`applied order: ${node.id} installed snapshot ${index} at applied ${node.appliedIndex}`);
    this.checkState(node, index, fingerprint);
  }

  private checkState(node: SimNode, index: number, fingerprint: string): void {
    const known = this.stateAt.get(index);
    if (known === undefined) this.stateAt.set(index, fingerprint);
    else if (known !== fingerprint) this.fail(`state machine safety: ${node.id} state at ${index} is ${fingerprint}, others ${known}`);
  }

  /** Log matching: where two logs hold the same (index, term), they are identical up to there. */
  checkLogMatching(nodes: readonly SimNode[]): void {
    const up = nodes.filter((n) => n.raft !== undefined);
    for (let i = 0; i < up.length; i += 1) {
      for (let j = i + 1; j < up.length; j += 1) {
        const a = up[i];
        const b = up[j];
        if (a === undefined || b === undefined) continue;
        const why = logMismatch(a, b);
        if (why !== undefined) this.fail(`log matching: ${a.id} vs ${b.id}: ${why}`);
      }
    }
  }
}

function logMismatch(a: SimNode, b: SimNode): string | undefined {
  const ra = a.raft;
  const rb = b.raft;
  if (ra === undefined || rb === undefined) return undefined;
  const lo = Math.max(ra.log.firstIndex(), rb.log.firstIndex());
  let hi = Math.min(ra.log.lastIndex(), rb.log.lastIndex());
  while (hi >= lo && ra.log.term(hi) !== rb.log.term(hi)) hi -= 1;
  if (hi < lo) return undefined;
  const ea = a.logEntries(lo, hi);
  const eb = b.logEntries(lo, hi);
  for (let k = 0; k < ea.length; k += 1) {
    const x = ea[k];
    const y = eb[k];
    if (x === undefined || y === undefined || x.term !== y.term || !sameBytes(x.data, y.data)) {
      return `both hold term ${ra.log.term(hi)} at ${hi} but differ at ${x?.index ?? "?"}`;
    }
  }
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i += 1) if (a[i] !== b[i]) return false;
  return true;
}
