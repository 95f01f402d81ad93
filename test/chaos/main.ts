// `npm run chaos -- --members 3 --duration 60 --faults kill,pause,partition --seed 7`
//
// Starts a kube-lite store cluster as real processes, runs a concurrent workload through
// store/client, injects the faults the seed schedules, heals, checks, and prints ONE summary
// line: `chaos: ok, ...`, or `chaos: VIOLATION ...` with the path of the saved history (exit 1).
// Progress goes to stderr with --verbose. See test/chaos/run.ts for the phases.
import { spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { ServerBug } from "../../store/server/index.js";
import { serverBugs } from "../../store/server/index.js";
import { repoRoot, storeBin } from "./cluster.js";
import { defaultChaosOptions, runChaos } from "./run.js";
import { parseFaultKinds } from "./schedule.js";
import type { SeededBug } from "./workload.js";
import { seededBugs } from "./workload.js";

const usage = `Usage: npm run chaos -- [flags]

  --members N              3 or 5 (default 3)
  --duration S             seconds of workload and faults (default 60); the run ends within S + 90 s
  --faults LIST            kill,pause,partition (default), all, none, or any of
                           kill, pause, power-loss, crash, split, isolate-leader, one-way,
                           delay, loss, flaky (partition = every network fault)
  --seed N                 the fault schedule's seed (default: random, printed)
  --heartbeat-interval MS  members' heartbeat (default 50)
  --election-timeout MS    members' election timeout (default 500)
  --data-dir DIR           keep data, logs and history here (default: a temporary dir)
  --keep                   keep the data dir and history.json even when the run is ok
  --bug NAME               seed a bug the checks must catch (repeatable); in the harness:
                           ${Object.keys(seededBugs).join(", ")}; in the members (test hooks):
                           ${Object.keys(serverBugs).join(", ")}
  --no-build               do not rebuild dist/ even if it is older than the sources
  --verbose                progress on stderr`;

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(full));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** The members run the compiled bin: build it when it is missing or older than the sources. */
function ensureBuilt(log: (line: string) => void): void {
  const builtMs = fs.existsSync(storeBin) ? fs.statSync(storeBin).mtimeMs : 0;
  const sourceMs = Math.max(newestSourceMs(path.join(repoRoot, "store")), newestSourceMs(path.join(repoRoot, "cluster")));
  if (builtMs >= sourceMs) return;
  log("dist/ is missing or older than the sources: npm run build");
  const built = spawnSync("npm", ["run", "build"], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  if (built.status !== 0) throw new Error("npm run build failed");
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      members: { type: "string", default: "3" },
      duration: { type: "string", default: "60" },
      faults: { type: "string", default: "kill,pause,partition" },
      seed: { type: "string" },
      "heartbeat-interval": { type: "string", default: "50" },
      "election-timeout": { type: "string", default: "500" },
      "data-dir": { type: "string" },
      keep: { type: "boolean", default: false },
      bug: { type: "string", multiple: true, default: [] },
      "no-build": { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const int = (text: string, flag: string, min: number): number => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`${flag} must be an integer >= ${min}, not '${text}'`);
    return n;
  };
  const members = int(values.members, "--members", 1);
  if (members !== 3 && members !== 5) throw new Error("--members must be 3 or 5");
  for (const b of values.bug) {
    if (!(b in seededBugs) && !(b in serverBugs)) throw new Error(`--bug must be one of ${[...Object.keys(seededBugs), ...Object.keys(serverBugs)].join(", ")}, not '${b}'`);
  }
  const bugs = values.bug.filter((b): b is SeededBug => b in seededBugs);
  const memberBugs = values.bug.filter((b): b is ServerBug => b in serverBugs);
  const seed = values.seed === undefined ? randomInt(1, 1_000_000) : int(values.seed, "--seed", 0);
  const verbose = values.verbose;
  const log = (line: string): void => {
    if (verbose) process.stderr.write(`chaos ${line}\n`);
  };
  process.stderr.write(`chaos: seed ${seed}\n`);
  if (!values["no-build"]) ensureBuilt((line) => process.stderr.write(`chaos: ${line}\n`));
  const result = await runChaos({
    ...defaultChaosOptions,
    members,
    durationSeconds: int(values.duration, "--duration", 5),
    faults: parseFaultKinds(values.faults),
    seed,
    heartbeatIntervalMs: int(values["heartbeat-interval"], "--heartbeat-interval", 1),
    electionTimeoutMs: int(values["election-timeout"], "--election-timeout", 2),
    ...(values["data-dir"] === undefined ? {} : { dataDir: path.resolve(values["data-dir"]) }),
    keep: values.keep,
    bugs,
    serverBugs: memberBugs,
    log,
  });
  console.log(result.summary);
  return result.ok ? 0 : 1;
}

// Interrupted: exit, and the cluster's exit hook kills every member (see cluster.ts).
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    process.exit(2);
  },
);
