// The `?fieldSelector=` grammar, as k8s.io/apimachinery/pkg/fields.ParseSelector (Kubernetes 1.32):
// comma separated terms (a backslash escapes a comma), each split at the first `!=`, `==` or
// `=`; the value is unescaped (`\\`, `\,`, `\=`) and a bare `,` or `=` in it is refused.
import { SelectorError } from "./selector-error.js";

export type FieldOperator = "=" | "==" | "!=";
export type FieldRequirement = { field: string; operator: FieldOperator; value: string };

const termOperators: readonly FieldOperator[] = ["!=", "==", "="];

/** splitTerms: split at commas that no backslash escapes; the backslashes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let index = 0; index < selector.length; index++) {
    const character = selector[index];
    if (escaped) escaped = false;
    else if (character === "\\") escaped = true;
    else if (character === ",") {
      terms.push(selector.slice(start, index));
      start = index + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** splitTerm: the first operator found, scanning left to right, splits the term. */
function splitTerm(term: string): { field: string; operator: FieldOperator; value: string } | undefined {
  for (let index = 0; index < term.length; index++) {
    const remaining = term.slice(index);
    const operator = termOperators.find((candidate) => remaining.startsWith(candidate));
    if (operator !== undefined) return { field: term.slice(0, index), operator, value: term.slice(index + operator.length) };
  }
  return undefined;
}

/** UnescapeValue, with upstream's errors (an unescaped rune is printed as its number, as Go's %v does). */
function unescapeValue(text: string): string {
  if (!/[\\,=]/.test(text)) return text;
  let value = "";
  let escaped = false;
  for (const character of text) {
    if (escaped) {
      if (character !== "\\" && character !== "," && character !== "=") {
        throw new SelectorError(`invalid field selector: invalid escape sequence: \\${character}`);
      }
      value += character;
      escaped = false;
    } else if (character === "\\") {
      escaped = true;
    } else if (character === "," || character === "=") {
      throw new SelectorError(`invalid field selector: unescaped character in value: ${character.codePointAt(0) ?? 0}`);
    } else {
      value += character;
    }
  }
  if (escaped) throw new SelectorError("invalid field selector: invalid escape sequence: \\");
  return value;
}

/** Go's sort.Strings order (bytewise). */
function compareBytes(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left, "utf8"), Buffer.from(right, "utf8"));
}

/** `?fieldSelector=` → requirements (in upstream's order: the raw terms sorted). Throws SelectorError. */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text).sort(compareBytes)) {
    if (term === "") continue;
    const split = splitTerm(term);
    if (split === undefined) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    requirements.push({ field: split.field, operator: split.operator, value: unescapeValue(split.value) });
  }
  return requirements;
}

/** A missing field reads as "" (fields.Set.Get), so `status.podIP=` selects pods without an IP. */
export function matchesFields(requirements: readonly FieldRequirement[], fields: Record<string, string>): boolean {
  return requirements.every((requirement) => {
    const actual = Object.hasOwn(fields, requirement.field) ? (fields[requirement.field] ?? "") : "";
    return requirement.operator === "!=" ? actual !== requirement.value : actual === requirement.value;
  });
}
