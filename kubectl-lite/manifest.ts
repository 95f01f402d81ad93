// Multi-document YAML (or JSON) manifests into objects, each remembering the file and line it
// came from, so that an error names both. Pure: reading files is manifest-files.ts's job.
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../client/index.js";
import { CliError } from "./cli-error.js";

export type ManifestObject = KubeObject & Record<string, unknown>;

export interface SourcedObject {
  /** File name as given, or "STDIN". */
  readonly source: string;
  /** 1-based line of the document's first line. */
  readonly line: number;
  readonly object: ManifestObject;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

/** What is wrong with a decoded document, as kubectl's validation words it; undefined when fine. */
export function problemsOf(value: unknown): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return ["the document is not a mapping (an object with apiVersion, kind and metadata)"];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof record.apiVersion !== "string" || record.apiVersion === "") problems.push("apiVersion not set");
  if (typeof record.kind !== "string" || record.kind === "") problems.push("kind not set");
  if (record.kind === "List") return problems;
  const metadata = record.metadata as Record<string, unknown> | undefined;
  const named = typeof metadata?.name === "string" && metadata.name !== "";
  const generated = typeof metadata?.generateName === "string" && metadata.generateName !== "";
  if (!named && !generated) problems.push("metadata.name not set");
  return problems;
}

/**
 * Every object of one file's text, in order; `kind: List` documents are expanded. A syntax
 * error or an object without apiVersion/kind/name throws a CliError naming file and line.
 */
export function parseManifest(text: string, source: string): SourcedObject[] {
  const objects: SourcedObject[] = [];
  for (const document of parseAllDocuments(text)) {
    const syntax = document.errors[0];
    if (syntax !== undefined) {
      const line = syntax.linePos?.[0].line ?? lineOf(text, syntax.pos[0]);
      const reason = (syntax.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
      throw new CliError(`error parsing ${source}: yaml: line ${line}: ${reason}`);
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    // The contents' first line, not the "---" that opens the document.
    const line = lineOf(text, document.contents?.range[0] ?? document.range[0]);
    const problems = problemsOf(value);
    if (problems.length > 0) throw new CliError(`error validating "${source}" (document at line ${line}): ${problems.join(", ")}`);
    const object = value as ManifestObject;
    if (object.kind === "List") {
      for (const item of Array.isArray(object.items) ? (object.items as unknown[]) : []) {
        const itemProblems = problemsOf(item);
        if (itemProblems.length > 0) throw new CliError(`error validating "${source}" (List at line ${line}): ${itemProblems.join(", ")}`);
        objects.push({ source, line, object: item as ManifestObject });
      }
      continue;
    }
    objects.push({ source, line, object });
  }
  return objects;
}
