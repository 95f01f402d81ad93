// Name and label syntax of apimachinery/pkg/util/validation, with upstream's messages.
const dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dns1123SubdomainFormat = `${dns1123LabelFormat}(\\.${dns1123LabelFormat})*`;
const dns1035LabelFormat = "[a-z]([-a-z0-9]*[a-z0-9])?";
const qualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const labelValueFormat = `(${qualifiedNameFormat})?`;
const configKeyFormat = "[-._a-zA-Z0-9]+";
const envVarNameFormat = "[-._a-zA-Z][-._a-zA-Z0-9]*";

const compiled = new Map<string, RegExp>();

/** The anchored regex of a format, compiled once (validation runs on every write). */
function whole(format: string): RegExp {
  let regex = compiled.get(format);
  if (regex === undefined) {
    regex = new RegExp(`^${format}$`);
    compiled.set(format, regex);
  }
  return regex;
}

function maxLength(value: string, max: number): string[] {
  return value.length > max ? [`must be no more than ${max} characters`] : [];
}

function regexMessage(what: string, examples: string[], format: string): string {
  return `${what} (e.g. ${examples.map((example) => `'${example}'`).join(",  or ")}, regex used for validation is '${format}')`;
}

/** The error messages for a value, [] when valid (as IsDNS1123Label and friends). */
export function dns1123Label(value: string): string[] {
  return [...maxLength(value, 63), ...(whole(dns1123LabelFormat).test(value) ? [] : [regexMessage(
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
    ["my-name", "123-abc"], dns1123LabelFormat)])];
}

export function dns1123Subdomain(value: string): string[] {
  return [...maxLength(value, 253), ...(whole(dns1123SubdomainFormat).test(value) ? [] : [regexMessage(
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
    ["example.com"], dns1123SubdomainFormat)])];
}

export function dns1035Label(value: string): string[] {
  return [...maxLength(value, 63), ...(whole(dns1035LabelFormat).test(value) ? [] : [regexMessage(
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
    ["my-name", "abc-123"], dns1035LabelFormat)])];
}

/** Label and annotation keys: an optional DNS subdomain prefix and a name of at most 63 characters. */
export function qualifiedName(value: string): string[] {
  const parts = value.split("/");
  if (parts.length > 2) {
    return [regexMessage("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      ["MyName", "my.name", "123-abc"], qualifiedNameFormat) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  const name = parts.length === 2 ? (parts[1] ?? "") : value;
  const prefix = parts.length === 2 ? (parts[0] ?? "") : undefined;
  const errors: string[] = [];
  if (prefix !== undefined) {
    if (prefix === "") errors.push("prefix part must be non-empty");
    else errors.push(...dns1123Subdomain(prefix).map((message) => `prefix part ${message}`));
  }
  if (name === "") errors.push("name part must be non-empty");
  else if (name.length > 63) errors.push("name part must be no more than 63 characters");
  if (name !== "" && !whole(qualifiedNameFormat).test(name)) {
    errors.push(regexMessage("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      ["MyName", "my.name", "123-abc"], qualifiedNameFormat));
  }
  return errors;
}

export function labelValue(value: string): string[] {
  return [...maxLength(value, 63), ...(whole(labelValueFormat).test(value) ? [] : [regexMessage(
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    ["MyValue", "my_value", "12345"], labelValueFormat)])];
}

export function configKey(value: string): string[] {
  return [...maxLength(value, 253), ...(whole(configKeyFormat).test(value) ? [] : [regexMessage(
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'", ["key.name", "KEY_NAME", "key-name"], configKeyFormat)])];
}

export function envVarName(value: string): string[] {
  return whole(envVarNameFormat).test(value) ? [] : [regexMessage(
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
    ["my.env-name", "MY_ENV.NAME", "MyEnvName1"], envVarNameFormat)];
}

/** IANA_SVC_NAME, for port names (IsValidPortName). */
export function portName(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 15) errors.push("must be no more than 15 characters");
  if (!/^[-a-z0-9]+$/.test(value)) errors.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(value)) errors.push("must contain at least one letter (a-z)");
  if (value.includes("--")) errors.push("must not contain consecutive hyphens");
  if (value.startsWith("-") || value.endsWith("-")) errors.push("must not begin or end with a hyphen");
  return errors;
}

export function ipAddress(value: string): string[] {
  const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  const ipv6 = /^[0-9a-fA-F:]+$/;
  return ipv4.test(value) || (value.includes(":") && ipv6.test(value)) ? [] : ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"];
}
