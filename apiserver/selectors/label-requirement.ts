// One label requirement: how upstream's labels.NewRequirement validates it, how it matches a
// label set, and how it prints (labels.Requirement.String) — the pieces shared by the
// `?labelSelector=` parser and the metav1.LabelSelector conversion.
import { SelectorError } from "./selector-error.js";
import {
  aggregateMessage,
  goQuote,
  goStringSlice,
  invalidValue,
  labelValueErrors,
  qualifiedNameErrors,
} from "./validation.js";

export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";
export type LabelRequirement = { key: string; operator: LabelOperator; values: string[] };

/** Go's strconv.ParseInt(s, 10, 64) succeeding. */
export function isInt64(text: string): boolean {
  if (!/^[+-]?\d+$/.test(text)) return false;
  const value = BigInt(text);
  return value >= -(2n ** 63n) && value <= 2n ** 63n - 1n;
}

/** validateLabelKey: the field.Error message for a bad key at `path`, or undefined. */
export function labelKeyError(key: string, path: string): string | undefined {
  const errors = qualifiedNameErrors(key);
  if (errors.length === 0) return undefined;
  return invalidValue(path, goQuote(key), errors.join("; "));
}

/**
 * labels.NewRequirement: the requirement, or a SelectorError carrying the aggregate of every
 * violated rule. `values` is undefined where Go would hold a nil slice (it prints differently).
 */
export function newRequirement(key: string, operator: LabelOperator, values: string[] | undefined): LabelRequirement {
  const errors: string[] = [];
  const keyError = labelKeyError(key, "key");
  if (keyError !== undefined) errors.push(keyError);
  const list = values ?? [];
  switch (operator) {
    case "in":
    case "notin":
      if (list.length === 0) errors.push(invalidValue("values", goStringSlice(values), "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case "=":
    case "==":
    case "!=":
      if (list.length !== 1) errors.push(invalidValue("values", goStringSlice(values), "exact-match compatibility requires one single value"));
      break;
    case "exists":
    case "!":
      if (list.length !== 0) errors.push(invalidValue("values", goStringSlice(values), "values set must be empty for exists and does not exist"));
      break;
    case "gt":
    case "lt":
      if (list.length !== 1) errors.push(invalidValue("values", goStringSlice(values), "for 'Gt', 'Lt' operators, exactly one value is required"));
      list.forEach((value, index) => {
        if (!isInt64(value)) errors.push(invalidValue(`values[${index}]`, goQuote(value), "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  list.forEach((value, index) => {
    const valueErrors = labelValueErrors(value);
    if (valueErrors.length > 0) errors.push(invalidValue(`values[${index}][${key}]`, goQuote(value), valueErrors.join("; ")));
  });
  if (errors.length > 0) throw new SelectorError(aggregateMessage(errors));
  return { key, operator, values: [...list] };
}

/** Requirement.Matches: a missing key matches != and notin and !, and nothing else. */
export function requirementMatches(requirement: LabelRequirement, labels: Record<string, string> | undefined): boolean {
  const present = labels !== undefined && Object.hasOwn(labels, requirement.key);
  const value = present ? labels[requirement.key] : undefined;
  switch (requirement.operator) {
    case "in":
    case "=":
    case "==":
      return value !== undefined && requirement.values.includes(value);
    case "notin":
    case "!=":
      return value === undefined || !requirement.values.includes(value);
    case "exists":
      return present;
    case "!":
      return !present;
    case "gt":
    case "lt": {
      const bound = requirement.values[0];
      if (value === undefined || requirement.values.length !== 1 || bound === undefined) return false;
      if (!isInt64(value) || !isInt64(bound)) return false;
      return requirement.operator === "gt" ? BigInt(value) > BigInt(bound) : BigInt(value) < BigInt(bound);
    }
  }
}

/** Every requirement holds (an empty list holds for every label set). */
export function matchesLabels(requirements: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  return requirements.every((requirement) => requirementMatches(requirement, labels));
}

/** Requirement.String: `a=b`, `a in (x,y)` (values sorted), `!a`, `a>1`. */
export function requirementString(requirement: LabelRequirement): string {
  const { key, operator } = requirement;
  if (operator === "exists") return key;
  if (operator === "!") return `!${key}`;
  const values = [...requirement.values].sort(compareGoStrings).join(",");
  switch (operator) {
    case "in":
      return `${key} in (${values})`;
    case "notin":
      return `${key} notin (${values})`;
    case "gt":
      return `${key}>${values}`;
    case "lt":
      return `${key}<${values}`;
    default:
      return `${key}${operator}${values}`;
  }
}

/** Go compares strings bytewise; for the label alphabet (ASCII) that is code-unit order. */
export function compareGoStrings(left: string, right: string): number {
  if (left === right) return 0;
  return Buffer.compare(Buffer.from(left, "utf8"), Buffer.from(right, "utf8"));
}

/** Selector.Add sorts by key; a stable sort keeps the written order of requirements on one key. */
export function sortByKey(requirements: LabelRequirement[]): LabelRequirement[] {
  return requirements.sort((left, right) => compareGoStrings(left.key, right.key));
}
