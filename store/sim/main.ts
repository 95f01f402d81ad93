// `npm run sim -- --seeds 1000` runs many seeds and prints one summary line;
// `npm run sim -- --seed 42` replays one seed with a readable trace (byte-identical every time).
import { parseArgs } from "node:util";
import { percentile, runSeeds } from "./runner.js";
import type { SimBugs } from "./simulation.js";
import { runSimulation } from "./simulation.js";

const bugNames = ["commitPreviousTermByCounting", "readIndexWithoutHeartbeat", "voteWithoutLogCheck", "sendBeforePersist", "loseVoteResponses"] as const;

function usage(): string {
  return `Usage: npm run sim -- [--seeds N] [--first-seed S] [--seed S [--messages]] [--members 3|5] [--chaos-ticks T] [--bug NAME]
  --seeds N       run seeds S..S+N-1 (default 100) and print a summary line
  --seed S        run one seed and print its trace
  --messages      with --seed: trace every message delivered
  --bug NAME      inject a deliberate bug: ${bugNames.join(", ")}`;
}

function bugsFrom(name: string | undefined): SimBugs | undefined {
  if (name === undefined) return undefined;
  if (name === "sendBeforePersist") return { sendBeforePersist: true };
  if (name === "loseVoteResponses") return { loseVoteResponses: true };
  if ((bugNames as readonly string[]).includes(name)) return { raft: { [name]: true } };
  throw new Error(`unknown bug '${name}'\n${usage()}`);
}

function main(): number {
  const { values } = parseArgs({
    options: {
      seeds: { type: "string" },
      "first-seed": { type: "string" },
      seed: { type: "string" },
      messages: { type: "boolean" },
      members: { type: "string" },
      "chaos-ticks": { type: "string" },
      bug: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help === true) {
    console.log(usage());
    return 0;
  }
  const members = values.members === undefined ? undefined : Number(values.members);
  if (members !== undefined && members !== 3 && members !== 5) throw new Error("--members must be 3 or 5");
  const chaosTicks = values["chaos-ticks"] === undefined ? undefined : Number(values["chaos-ticks"]);
  const bugs = bugsFrom(values.bug);

  if (values.seed !== undefined) {
    const result = runSimulation({
      seed: Number(values.seed),
      members,
      chaosTicks,
      bugs,
      trace: (line) => console.log(line),
      traceMessages: values.messages === true,
    });
    console.log(
      `seed ${result.seed}: ${result.violations.length === 0 ? "ok" : "VIOLATION"}, ${result.members} members, ${result.ticks} ticks, ` +
        `${result.operations.completed} ops (${result.operations.unknown} unknown), ` +
        `election after leader crash ${result.electionAfterLeaderCrashTicks ?? "-"} ticks, recovery ${result.recoveryTicks ?? "-"} ticks`,
    );
    for (const violation of result.violations) console.log(`  ${violation}`);
    return result.violations.length === 0 ? 0 : 1;
  }

  const seeds = Number(values.seeds ?? "100");
  const firstSeed = Number(values["first-seed"] ?? "1");
  const started = performance.now();
  const summary = runSeeds({ firstSeed, seeds, members, chaosTicks, bugs });
  const seconds = (performance.now() - started) / 1000;
  const elections = summary.electionAfterLeaderCrashTicks;
  const faults = Object.entries(summary.faults)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(", ");
  console.log(
    `sim: ${summary.seeds} seeds, ${summary.failedSeeds.length} violations, ${summary.ticks} ticks simulated, ` +
      `${summary.operations} client ops (${summary.unknownOperations} unknown), ` +
      `${(summary.seeds / seconds).toFixed(1)} seeds/s, ${Math.round(summary.ticks / seconds)} ticks/s, ${seconds.toFixed(1)} s; ` +
      `election after leader crash p50 ${percentile(elections, 50)} / p99 ${percentile(elections, 99)} / max ${percentile(elections, 100)} ticks; ` +
      `recovery after heal p50 ${percentile(summary.recoveryTicks, 50)} / p99 ${percentile(summary.recoveryTicks, 99)} ticks; ` +
      `faults: ${faults}; messages ${summary.messages.sent} sent, ${summary.messages.dropped} dropped, ${summary.messages.duplicated} duplicated, ${summary.messages.blocked} cut`,
  );
  for (const failed of summary.failedSeeds.slice(0, 10)) {
    console.log(`  seed ${failed.seed}: ${failed.violations[0] ?? ""} (replay: npm run sim -- --seed ${failed.seed}${values.bug === undefined ? "" : ` --bug ${values.bug}`})`);
  }
  return summary.failedSeeds.length === 0 ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
