// `-f FILE|DIR|URL-less -` and `-R`: which files a manifest flag names, read and parsed in
// kubectl's order (a directory's files sorted by name, only .yaml, .yml and .json).
import fs from "node:fs/promises";
import path from "node:path";
import { CliError } from "./cli-error.js";
import { parseManifest, type SourcedObject } from "./manifest.js";

const manifestExtensions = new Set([".yaml", ".yml", ".json"]);

async function filesOf(target: string, recursive: boolean): Promise<string[]> {
  let stat;
  try {
    stat = await fs.stat(target);
  } catch {
    throw new CliError(`the path "${target}" does not exist`);
  }
  if (!stat.isDirectory()) return [target];
  const entries = (await fs.readdir(target, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) {
      if (recursive) files.push(...(await filesOf(full, true)));
    } else if (manifestExtensions.has(path.extname(entry.name))) {
      files.push(full);
    }
  }
  return files;
}

/** The objects of every -f argument, in order. */
export async function readManifests(targets: readonly string[], recursive: boolean, readStdin: () => Promise<string>, verb: string): Promise<SourcedObject[]> {
  if (targets.length === 0) throw new CliError("must specify one of -f and -k");
  const objects: SourcedObject[] = [];
  for (const target of targets) {
    if (target === "-") {
      objects.push(...parseManifest(await readStdin(), "STDIN"));
      continue;
    }
    for (const file of await filesOf(target, recursive)) objects.push(...parseManifest(await fs.readFile(file, "utf8"), file));
  }
  if (objects.length === 0) throw new CliError(`no objects passed to ${verb}`);
  return objects;
}
