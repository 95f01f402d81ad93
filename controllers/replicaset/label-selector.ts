// metav1.LabelSelector matching (LabelSelectorAsSelector + Matches): an absent selector selects
// nothing, an empty one selects everything, matchLabels and matchExpressions are ANDed.
import type { LabelSelector, LabelSelectorRequirement } from "../../client/index.js";

function requirementMatches(requirement: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key];
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case "In":
      return has && value !== undefined && values.includes(value);
    case "NotIn":
      return !has || value === undefined || !values.includes(value);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
  }
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (selector === undefined || selector === null) return false;
  const actual = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (actual[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((requirement) => requirementMatches(requirement, actual));
}

/** True for a selector with no requirements at all, which would select every pod. */
export function selectsEverything(selector: LabelSelector | undefined): boolean {
  return selector !== undefined && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}
