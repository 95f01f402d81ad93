// The real kubectl (1.32, on PATH) carries upstream's labels parser: `kubectl set selector --local`
// parses its argument offline with it and prints the parse error. Every selector here must be
// accepted by both parsers or refused by both with the same sentence.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLabelSelector, SelectorError } from "./index.js";

const run = promisify(execFile);

async function hasKubectl(): Promise<boolean> {
  try {
    await run("sh", ["-c", "command -v kubectl"]);
    return true;
  } catch {
    return false;
  }
}

const available = await hasKubectl();
if (!available) console.log("kubectl-oracle.test.ts skipped: no `kubectl` on PATH");

const selectors = [
  "",
  "x=a,y=b,z=c",
  "x!=a,y=b",
  "x= ,z= ",
  "!x",
  "x>1,z<5",
  "x in (abc,)",
  "x notin (, a)",
  "a in (x,y,notin, z,in)",
  "example.com/tier in (web,api),!legacy",
  "x=a||y=b",
  "x==a==b",
  "!x=a",
  "x<a",
  ",x,y",
  "x nott in (y)",
  "a in (xyz),",
  "a in (xyz)b notin ()",
  "a in (xyz abc)",
  "a notin(",
  "a (",
  "(",
  "x in",
  "x in (a",
  "!",
  "a@b",
  "a/b/c",
  "Example.com/x",
  "/x",
  "x/",
  `${"k".repeat(64)}=v`,
  `k=${"v".repeat(64)}`,
  "x=(a)",
  "x>9223372036854775808",
  "x=a b",
  "x,y",
  "x=a,y",
  "=a",
  "x =a",
  "x in ()",
  "x==",
  "x!=",
  " ",
  "x=a,,y=b",
  "x!",
  "!!x",
  "x in (a,,b)",
  "x in ((a))",
];

/** Our verdict: "ok" or the error message. */
function ours(selector: string): string {
  try {
    parseLabelSelector(selector);
    return "ok";
  } catch (error) {
    if (error instanceof SelectorError) return error.message;
    throw error;
  }
}

describe.skipIf(!available)("label selector errors match the real kubectl's parser", () => {
  let directory = "";
  let serviceFile = "";

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "selector-oracle-"));
    serviceFile = join(directory, "service.yaml");
    await writeFile(serviceFile, "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n");
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  /** kubectl's verdict: "ok" unless it printed a parse error, else the parser's message. */
  async function theirs(selector: string): Promise<string> {
    const prefix = `error: couldn't parse the selector string "${selector}": `;
    try {
      await run("kubectl", ["set", "selector", "-f", serviceFile, "--local", "-o", "json", selector], { timeout: 30_000 });
      return "ok";
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
      return stderr.startsWith(prefix) ? stderr.slice(prefix.length) : "ok"; // refused later, for another reason
    }
  }

  it.each(selectors)("%j", async (selector) => {
    expect(ours(selector)).toBe(await theirs(selector));
  }, 60_000);
});
