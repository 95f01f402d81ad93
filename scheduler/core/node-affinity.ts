// spec.nodeSelector and node affinity, matched as upstream's component-helpers nodeaffinity:
// required terms are ORed, the requirements inside a term ANDed; a term that cannot be parsed
// (In with no values, Gt with a non-integer, an unknown field) matches no node.
import type { NodeSelectorRequirement, NodeSelectorTerm, PodSpec, PreferredSchedulingTerm } from "../../client/index.js";

export type Labels = Readonly<Record<string, string>>;

/** One node's view for matching: its labels and the fields matchFields can name. */
export interface NodeIdentity {
  name: string;
  labels: Labels;
}

type Matcher = (node: NodeIdentity) => boolean;

const integerPattern = /^[+-]?\d+$/;

function labelRequirementMatcher(requirement: NodeSelectorRequirement): Matcher | undefined {
  const { key } = requirement;
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case "In": {
      if (values.length === 0) return undefined;
      const set = new Set(values);
      return (node) => node.labels[key] !== undefined && set.has(node.labels[key]);
    }
    case "NotIn": {
      if (values.length === 0) return undefined;
      const set = new Set(values);
      return (node) => node.labels[key] === undefined || !set.has(node.labels[key]);
    }
    case "Exists":
      return values.length === 0 ? (node) => node.labels[key] !== undefined : undefined;
    case "DoesNotExist":
      return values.length === 0 ? (node) => node.labels[key] === undefined : undefined;
    case "Gt":
    case "Lt": {
      const [bound] = values;
      if (values.length !== 1 || bound === undefined || !integerPattern.test(bound)) return undefined;
      const limit = BigInt(bound);
      const greater = requirement.operator === "Gt";
      return (node) => {
        const value = node.labels[key];
        if (value === undefined || !integerPattern.test(value)) return false;
        return greater ? BigInt(value) > limit : BigInt(value) < limit;
      };
    }
    default:
      return undefined;
  }
}

/** matchFields: only metadata.name, with In or NotIn and exactly one value, as upstream's field selectors. */
function fieldRequirementMatcher(requirement: NodeSelectorRequirement): Matcher | undefined {
  const [value] = requirement.values ?? [];
  if (requirement.key !== "metadata.name" || requirement.values?.length !== 1 || value === undefined) return undefined;
  if (requirement.operator === "In") return (node) => node.name === value;
  if (requirement.operator === "NotIn") return (node) => node.name !== value;
  return undefined;
}

/** A compiled term; a term with nothing in it, or one that does not parse, matches nothing. */
export function compileTerm(term: NodeSelectorTerm): Matcher {
  const requirements = [...(term.matchExpressions ?? []).map(labelRequirementMatcher), ...(term.matchFields ?? []).map(fieldRequirementMatcher)];
  if (requirements.length === 0) return () => false;
  const matchers: Matcher[] = [];
  for (const matcher of requirements) {
    if (matcher === undefined) return () => false;
    matchers.push(matcher);
  }
  return (node) => matchers.every((matcher) => matcher(node));
}

/** The pod's hard placement rules: nodeSelector AND (any required term). Undefined when the pod has none. */
export function compileRequiredNodeAffinity(spec: PodSpec): Matcher | undefined {
  const selector = Object.entries(spec.nodeSelector ?? {});
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const termMatchers = terms?.map(compileTerm);
  if (selector.length === 0 && termMatchers === undefined) return undefined;
  return (node) => selector.every(([key, value]) => node.labels[key] === value) && (termMatchers === undefined || termMatchers.some((matcher) => matcher(node)));
}

export interface CompiledPreference {
  weight: number;
  matches: Matcher;
}

/** Preferred terms with a weight (zero-weight terms are dropped, as upstream). */
export function compilePreferredNodeAffinity(terms: readonly PreferredSchedulingTerm[] | undefined): CompiledPreference[] {
  return (terms ?? []).filter((term) => term.weight !== 0).map((term) => ({ weight: term.weight, matches: compileTerm(term.preference) }));
}

/** The NodeAffinity score before normalizing: the summed weights of the preferences the node meets. */
export function preferredAffinityScore(preferences: readonly CompiledPreference[], node: NodeIdentity): number {
  let score = 0;
  for (const preference of preferences) if (preference.matches(node)) score += preference.weight;
  return score;
}
