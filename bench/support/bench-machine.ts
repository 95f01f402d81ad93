// The machine facts every Kubernetes-side bench page starts with (apiserver, scheduler, control
// plane): where it ran, which build, and how loaded the machine was.
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import type { ApiBenchMachine } from "../apiserver-report.js";
import { round } from "./load.js";

const root = path.resolve(import.meta.dirname, "../..");

/** A command's trimmed stdout, or "" when it fails. */
export function commandOutput(command: string, args: readonly string[], cwd = root): string {
  const out = spawnSync(command, [...args], { cwd, encoding: "utf8" });
  return out.status === 0 ? out.stdout.trim() : "";
}

/** How a bench words the state of the checkout its bin came from. */
export interface WorkingTreeWording {
  readonly outsideCheckout: string;
  readonly changedFiles: (count: number) => string;
}

const plainWording: WorkingTreeWording = {
  outsideCheckout: "bin outside a git checkout",
  changedFiles: (count) => `working tree has ${count} changed file(s)`,
};

/** `script` is the npm script name ("bench:scheduler"); `argv` its extra arguments. */
export function benchMachineFacts(script: string, bin: string, argv: readonly string[], wording: WorkingTreeWording = plainWording): ApiBenchMachine {
  const checkout = path.dirname(bin);
  const commit = commandOutput("git", ["rev-parse", "--short", "HEAD"], checkout);
  const changed = commandOutput("git", ["status", "--porcelain", "--untracked-files=no"], checkout);
  return {
    date: new Date().toISOString(),
    command: `npm run ${script}${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    uptimeAtStart: commandOutput("uptime", []),
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
    kubeLiteCommit: commit || "unknown",
    kubeLiteWorkingTree: commit === "" ? wording.outsideCheckout : changed === "" ? "clean working tree" : wording.changedFiles(changed.split("\n").length),
    bin,
  };
}
