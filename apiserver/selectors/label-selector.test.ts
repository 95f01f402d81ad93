import { describe, expect, it } from "vitest";
import {
  formatLabelSelector,
  labelSelectorRequirements,
  matchesLabels,
  parseLabelSelector,
  SelectorError,
  type LabelRequirement,
} from "./index.js";
import { newRequirement, requirementString } from "./label-requirement.js";

/** The selector's string form, as labels.Selector.String() prints it: the parse round-trips. */
function reprint(text: string): string {
  return parseLabelSelector(text).map(requirementString).join(",");
}

function parseError(text: string): string {
  try {
    parseLabelSelector(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SelectorError);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(text)} parsed`);
}

const valueRegexTail =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const keyRegexTail =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe("parseLabelSelector: upstream's TestSelectorParse good strings round-trip", () => {
  it.each(["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"])("%j", (text) => {
    expect(reprint(text)).toBe(text.replaceAll(" ", ""));
  });

  it("sorts requirements by key, so both orders print the same (TestDeterministicParse)", () => {
    expect(reprint("x=a,a=x")).toBe(reprint("a=x,x=a"));
    expect(reprint("x=a,a=x")).toBe("a=x,x=a");
  });
});

describe("parseLabelSelector: upstream's TestSetSelectorParser", () => {
  const requirement = (key: string, operator: LabelRequirement["operator"], ...values: string[]): LabelRequirement => ({ key, operator, values });
  it.each<[string, LabelRequirement[]]>([
    ["", []],
    ["\rx", [requirement("x", "exists")]],
    ["this-is-a-dns.domain.com/key-with-dash", [requirement("this-is-a-dns.domain.com/key-with-dash", "exists")]],
    ["this-is-another-dns.domain.com/key-with-dash in (so,what)", [requirement("this-is-another-dns.domain.com/key-with-dash", "in", "so", "what")]],
    ["0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", [requirement("0.1.2.domain/99", "notin", "10.10.100.1", "tick.tack.clock")]],
    ["foo  in\t (abc)", [requirement("foo", "in", "abc")]],
    ["x notin\n (abc)", [requirement("x", "notin", "abc")]],
    ["x  notin\t\t\t(abc,def)", [requirement("x", "notin", "abc", "def")]],
    ["x in (abc,def)", [requirement("x", "in", "abc", "def")]],
    ["x in (abc,)", [requirement("x", "in", "", "abc")]],
    ["x in ()", [requirement("x", "in", "")]],
    [
      "x notin (abc,def),bar,z in (),w",
      [requirement("bar", "exists"), requirement("w", "exists"), requirement("x", "notin", "abc", "def"), requirement("z", "in", "")],
    ],
    ["x,y in (a)", [requirement("x", "exists"), requirement("y", "in", "a")]],
    ["x=a", [requirement("x", "=", "a")]],
    ["x==a", [requirement("x", "==", "a")]],
    ["x>1", [requirement("x", "gt", "1")]],
    ["x<7", [requirement("x", "lt", "7")]],
    ["x=a,y!=b,z in (h,i,j)", [requirement("x", "=", "a"), requirement("y", "!=", "b"), requirement("z", "in", "h", "i", "j")]],
    ["x notin ( )", [requirement("x", "notin", "")]],
    ["x notin (, a)", [requirement("x", "notin", "", "a")]],
    ["a ", [requirement("a", "exists")]],
    ["a in (x,y,notin, z,in)", [requirement("a", "in", "in", "notin", "x", "y", "z")]],
    ["notin=in", [requirement("notin", "=", "in")]],
    ["x in (b,a,b)", [requirement("x", "in", "a", "b")]],
  ])("%j", (text, expected) => {
    expect(parseLabelSelector(text)).toEqual(expected);
  });
});

describe("parseLabelSelector: invalid selectors carry upstream's messages", () => {
  it.each<[string, string]>([
    ["x=a||y=b", `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${valueRegexTail}`],
    ["x==a==b", "found '==', expected: ',' or 'end of string'"],
    ["!x=a", "found '=', expected: ',' or 'end of string'"],
    ["x<a", `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`],
    [",x,y", "found ',', expected: !, identifier, or 'end of string'"],
    ["x nott in (y)", "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"],
    ["a in (xyz),", "found '', expected: identifier after ','"],
    ["a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"],
    ["a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"],
    ["a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ["a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ["(", "found '(', expected: !, identifier, or 'end of string'"],
    ["x in", "unable to parse requirement: found '' expected: '('"],
    ["x in (a", "unable to parse requirement: found '', expected: ',' or ')'"],
    ["!", "unable to parse requirement: found '', expected: identifier"],
    ["a@b", `unable to parse requirement: <nil>: Invalid value: "a@b": ${keyRegexTail}`],
    [
      "a/b/c",
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
    [
      "Example.com/x",
      `unable to parse requirement: <nil>: Invalid value: "Example.com/x": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
    [`${"k".repeat(64)}=v`, `unable to parse requirement: <nil>: Invalid value: "${"k".repeat(64)}": name part must be no more than 63 characters`],
    [`k=${"v".repeat(64)}`, `unable to parse requirement: values[0][k]: Invalid value: "${"v".repeat(64)}": must be no more than 63 characters`],
    ["x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ["x=(a)", "unable to parse requirement: found '(', expected: identifier"],
  ])("%j", (text, message) => {
    expect(parseError(text)).toBe(message);
  });

  it("a Gt bound outside int64 is refused like strconv.ParseInt refuses it", () => {
    expect(parseError("x>9223372036854775808")).toContain("for 'Gt', 'Lt' operators, the value must be an integer");
    expect(parseLabelSelector("x>9223372036854775807")).toHaveLength(1);
  });
});

describe("matchesLabels", () => {
  const matches = (selector: string, labels: Record<string, string> | undefined): boolean => matchesLabels(parseLabelSelector(selector), labels);

  it("upstream's TestSelectorMatches", () => {
    expect(matches("", { x: "y" })).toBe(true);
    expect(matches("x=y", { x: "y" })).toBe(true);
    expect(matches("x=y,z=w", { x: "y", z: "w" })).toBe(true);
    expect(matches("x!=y,z!=w", { x: "z", z: "a" })).toBe(true);
    expect(matches("notin=in", { notin: "in" })).toBe(true);
    expect(matches("x", { x: "z" })).toBe(true);
    expect(matches("!x", { y: "z" })).toBe(true);
    expect(matches("x>1", { x: "2" })).toBe(true);
    expect(matches("x<1", { x: "0" })).toBe(true);
    expect(matches("x=z", {})).toBe(false);
    expect(matches("x=y", { x: "z" })).toBe(false);
    expect(matches("x=y,z=w", { x: "w", z: "w" })).toBe(false);
    expect(matches("x!=y,z!=w", { x: "z", z: "w" })).toBe(false);
    expect(matches("x", { y: "z" })).toBe(false);
    expect(matches("!x", { x: "z" })).toBe(false);
    expect(matches("x>1", { x: "0" })).toBe(false);
    expect(matches("x<1", { x: "2" })).toBe(false);
    expect(matches("foo=bar,foobar=bar,baz=blah", { foo: "bar", baz: "blah" })).toBe(false);
  });

  it("a missing label satisfies != and notin and !, and nothing else", () => {
    for (const labels of [{}, undefined]) {
      expect(matches("tier!=db", labels)).toBe(true);
      expect(matches("tier notin (db,cache)", labels)).toBe(true);
      expect(matches("!tier", labels)).toBe(true);
      expect(matches("tier=db", labels)).toBe(false);
      expect(matches("tier in (db)", labels)).toBe(false);
      expect(matches("tier", labels)).toBe(false);
      expect(matches("tier>1", labels)).toBe(false);
    }
  });

  it("an empty value is a value: `x=` needs x present and empty; `x in ()` the same", () => {
    expect(matches("x=", { x: "" })).toBe(true);
    expect(matches("x=", {})).toBe(false);
    expect(matches("x in ()", { x: "" })).toBe(true);
    expect(matches("x notin ()", { x: "" })).toBe(false);
  });

  it("gt/lt compare integers and do not match a label that is not one", () => {
    expect(matches("z>1", { z: "v2" })).toBe(false);
    expect(matches("z>9", { z: "10" })).toBe(true); // numerically, not as strings
  });

  it("a label named like Object.prototype members is just absent", () => {
    expect(matches("constructor", {})).toBe(false);
    expect(matches("!toString", {})).toBe(true);
  });
});

describe("labelSelectorRequirements (LabelSelectorAsSelector)", () => {
  it("null selects nothing, {} everything", () => {
    expect(labelSelectorRequirements(null)).toBe("nothing");
    expect(labelSelectorRequirements(undefined)).toBe("nothing");
    expect(labelSelectorRequirements({})).toEqual([]);
    expect(labelSelectorRequirements({ matchLabels: {}, matchExpressions: [] })).toEqual([]);
  });

  it("matchLabels and matchExpressions become requirements sorted by key", () => {
    const requirements = labelSelectorRequirements({
      matchLabels: { tier: "web", app: "shop" },
      matchExpressions: [
        { key: "track", operator: "NotIn", values: ["canary"] },
        { key: "env", operator: "In", values: ["prod", "staging"] },
        { key: "gpu", operator: "Exists" },
        { key: "legacy", operator: "DoesNotExist" },
      ],
    });
    expect(requirements).toEqual([
      { key: "app", operator: "=", values: ["shop"] },
      { key: "env", operator: "in", values: ["prod", "staging"] },
      { key: "gpu", operator: "exists", values: [] },
      { key: "legacy", operator: "!", values: [] },
      { key: "tier", operator: "=", values: ["web"] },
      { key: "track", operator: "notin", values: ["canary"] },
    ]);
    expect(requirements !== "nothing" && matchesLabels(requirements, { app: "shop", tier: "web", env: "prod", gpu: "" })).toBe(true);
    expect(requirements !== "nothing" && matchesLabels(requirements, { app: "shop", tier: "web", env: "prod", gpu: "", legacy: "1" })).toBe(false);
  });

  it.each<[unknown, string]>([
    [{ matchExpressions: [{ key: "tier", operator: "In", values: [] }] }, "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: "tier", operator: "Exists", values: ["a"] }] }, `values: Invalid value: []string{"a"}: values set must be empty for exists and does not exist`],
    [{ matchExpressions: [{ key: "tier", operator: "Gt", values: ["1"] }] }, `"Gt" is not a valid label selector operator`],
    [{ matchLabels: { "bad key": "v" } }, `key: Invalid value: "bad key": ${keyRegexTail}`],
    [{ matchLabels: { app: "a b" } }, `values[0][app]: Invalid value: "a b": ${valueRegexTail}`],
    [
      { matchExpressions: [{ key: "bad key", operator: "In" }] },
      `[key: Invalid value: "bad key": ${keyRegexTail}, values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty]`,
    ],
  ])("refuses %j", (selector, message) => {
    expect(() => labelSelectorRequirements(selector)).toThrow(new SelectorError(message));
  });
});

describe("formatLabelSelector (FormatLabelSelector)", () => {
  it("prints the selector string kubectl scale reads from Scale.status.selector", () => {
    expect(formatLabelSelector({ matchLabels: { app: "web" } })).toBe("app=web");
    expect(
      formatLabelSelector({
        matchLabels: { app: "web", tier: "front" },
        matchExpressions: [
          { key: "env", operator: "In", values: ["staging", "prod"] },
          { key: "canary", operator: "DoesNotExist" },
        ],
      }),
    ).toBe("app=web,!canary,env in (prod,staging),tier=front"); // sorted by key, "!" is not part of it
  });

  it("prints <none> for an empty or null selector and <error> for an invalid one", () => {
    expect(formatLabelSelector({})).toBe("<none>");
    expect(formatLabelSelector(null)).toBe("<none>");
    expect(formatLabelSelector({ matchExpressions: [{ key: "a", operator: "Bogus" }] })).toBe("<error>");
  });

  it("what it prints parses back to the same requirements", () => {
    const selector = { matchLabels: { app: "web" }, matchExpressions: [{ key: "env", operator: "NotIn", values: ["a", "b"] }] };
    expect(parseLabelSelector(formatLabelSelector(selector))).toEqual(labelSelectorRequirements(selector));
  });
});

// The fuzz suite expected "a in ()" to be refused; upstream's parseValues reads "()" as the set
// {""} (its own doc example is "z notin ()"), so only NewRequirement with no values is refused.
describe("an empty value set", () => {
  it("parses \"()\" as {\"\"}: `a in ()` selects a=\"\", `a notin ()` the rest", () => {
    expect(matchesLabels(parseLabelSelector("a in ()"), { a: "" })).toBe(true);
    expect(matchesLabels(parseLabelSelector("a in ()"), { a: "x" })).toBe(false);
    expect(matchesLabels(parseLabelSelector("a notin ()"), { a: "x" })).toBe(true);
    expect(matchesLabels(parseLabelSelector("a notin ()"), { a: "" })).toBe(false);
  });

  it("refuses in and notin with no values at all (labels.NewRequirement)", () => {
    for (const operator of ["in", "notin"] as const) {
      expect(() => newRequirement("a", operator, [])).toThrow("for 'in', 'notin' operators, values set can't be empty");
    }
  });
});
