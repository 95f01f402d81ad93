// Label key and value validation with the exact messages of k8s.io/apimachinery/pkg/util/validation
// (Kubernetes 1.32), and the field.Error / aggregate formatting that wraps them, so that a bad
// selector is refused with the sentence a real apiserver would answer.

const qualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const qualifiedNameMessage =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const qualifiedNameMaxLength = 63;
const qualifiedNamePattern = new RegExp(`^${qualifiedNameFormat}$`);

const labelValueFormat = `(${qualifiedNameFormat})?`;
const labelValueMessage =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueMaxLength = 63;
const labelValuePattern = new RegExp(`^${labelValueFormat}$`);

const dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dns1123SubdomainFormat = `${dns1123LabelFormat}(\\.${dns1123LabelFormat})*`;
const dns1123SubdomainMessage =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const dns1123SubdomainMaxLength = 253;
const dns1123SubdomainPattern = new RegExp(`^${dns1123SubdomainFormat}$`);

/** Go's len(): lengths in Kubernetes validation count UTF-8 bytes, not UTF-16 units. */
function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function maxLengthError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** validation.RegexError, with its doubled space before each " or " kept as upstream prints it. */
function regexError(message: string, format: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${format}')`;
  const listed = examples.map((example) => `'${example}', `).join(" or ");
  return `${message} (e.g. ${listed}regex used for validation is '${format}')`;
}

function isDns1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > dns1123SubdomainMaxLength) errors.push(maxLengthError(dns1123SubdomainMaxLength));
  if (!dns1123SubdomainPattern.test(value)) errors.push(regexError(dns1123SubdomainMessage, dns1123SubdomainFormat, "example.com"));
  return errors;
}

/** validation.IsQualifiedName: the messages for a label key, empty when valid. */
export function qualifiedNameErrors(value: string): string[] {
  const errors: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? "";
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) errors.push("prefix part must be non-empty");
    else errors.push(...isDns1123Subdomain(prefix).map((message) => `prefix part ${message}`));
  } else {
    return [
      `a qualified name ${regexError(qualifiedNameMessage, qualifiedNameFormat, "MyName", "my.name", "123-abc")}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errors.push("name part must be non-empty");
  else if (byteLength(name) > qualifiedNameMaxLength) errors.push(`name part ${maxLengthError(qualifiedNameMaxLength)}`);
  if (!qualifiedNamePattern.test(name)) {
    errors.push(`name part ${regexError(qualifiedNameMessage, qualifiedNameFormat, "MyName", "my.name", "123-abc")}`);
  }
  return errors;
}

/** validation.IsValidLabelValue: the messages for a label value, empty when valid. */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > labelValueMaxLength) errors.push(maxLengthError(labelValueMaxLength));
  if (!labelValuePattern.test(value)) errors.push(regexError(labelValueMessage, labelValueFormat, "MyValue", "my_value", "12345"));
  return errors;
}

/** Go's strconv.Quote (what %q prints) for the characters a selector can carry. */
export function goQuote(text: string): string {
  let quoted = '"';
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (character === '"' || character === "\\") quoted += `\\${character}`;
    else if (character === "\n") quoted += "\\n";
    else if (character === "\t") quoted += "\\t";
    else if (character === "\r") quoted += "\\r";
    else if (code < 0x20 || code === 0x7f) quoted += `\\x${code.toString(16).padStart(2, "0")}`;
    else quoted += character;
  }
  return `${quoted}"`;
}

/** Go's %#v of a []string: `[]string{"a", "b"}`, `[]string{}` or `[]string(nil)`. */
export function goStringSlice(values: readonly string[] | undefined): string {
  if (values === undefined) return "[]string(nil)";
  return `[]string{${values.map(goQuote).join(", ")}}`;
}

/** field.Invalid(path, value, detail).Error(): `path: Invalid value: <value>: detail`. */
export function invalidValue(path: string, printedValue: string, detail: string): string {
  return `${path}: Invalid value: ${printedValue}: ${detail}`;
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated in brackets. */
export function aggregateMessage(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  if (unique.length === 1) return unique[0] ?? "";
  return `[${unique.join(", ")}]`;
}
