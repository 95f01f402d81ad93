// metav1.LabelSelector ({matchLabels, matchExpressions}) as upstream's LabelSelectorAsSelector and
// FormatLabelSelector see it: deployments, replicasets and services select their pods with it.
import {
  newRequirement,
  requirementString,
  sortByKey,
  type LabelOperator,
  type LabelRequirement,
} from "./label-requirement.js";
import { SelectorError } from "./selector-error.js";
import { goQuote } from "./validation.js";

const expressionOperators: Readonly<Record<string, LabelOperator>> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function matchLabelRequirements(matchLabels: unknown): LabelRequirement[] {
  if (matchLabels === undefined || matchLabels === null) return [];
  if (!isRecord(matchLabels)) throw new SelectorError("matchLabels: must be an object of strings");
  return Object.entries(matchLabels).map(([key, value]) => {
    if (typeof value !== "string") throw new SelectorError(`matchLabels[${key}]: must be a string`);
    return newRequirement(key, "=", [value]);
  });
}

function expressionRequirement(expression: unknown, index: number): LabelRequirement {
  if (!isRecord(expression)) throw new SelectorError(`matchExpressions[${index}]: must be an object`);
  const { key, operator, values } = expression;
  const operatorName = typeof operator === "string" ? operator : "";
  const mapped = Object.hasOwn(expressionOperators, operatorName) ? expressionOperators[operatorName] : undefined;
  if (mapped === undefined) throw new SelectorError(`${goQuote(operatorName)} is not a valid label selector operator`);
  if (values !== undefined && values !== null && !(Array.isArray(values) && values.every((value) => typeof value === "string"))) {
    throw new SelectorError(`matchExpressions[${index}].values: must be an array of strings`);
  }
  // Go copies the values with append([]string(nil), ...): an empty list stays a nil slice.
  const list = Array.isArray(values) && values.length > 0 ? values.map(String) : undefined;
  return newRequirement(typeof key === "string" ? key : "", mapped, list);
}

/**
 * LabelSelectorAsSelector: null or absent selects nothing, `{}` everything; an invalid selector
 * throws SelectorError with upstream's message.
 */
export function labelSelectorRequirements(selector: unknown): LabelRequirement[] | "nothing" {
  if (selector === undefined || selector === null) return "nothing";
  if (!isRecord(selector)) throw new SelectorError("label selector: must be an object");
  const expressions = selector.matchExpressions ?? [];
  if (!Array.isArray(expressions)) throw new SelectorError("matchExpressions: must be an array");
  const requirements = [
    ...sortByKey(matchLabelRequirements(selector.matchLabels)),
    ...expressions.map((expression, index) => expressionRequirement(expression, index)),
  ];
  return sortByKey(requirements);
}

/** FormatLabelSelector: the selector string, "<none>" when it is empty or null, "<error>" when invalid. */
export function formatLabelSelector(selector: unknown): string {
  let requirements: LabelRequirement[] | "nothing";
  try {
    requirements = labelSelectorRequirements(selector);
  } catch (error) {
    if (error instanceof SelectorError) return "<error>";
    throw error;
  }
  const text = requirements === "nothing" ? "" : requirements.map(requirementString).join(",");
  return text.length === 0 ? "<none>" : text;
}

