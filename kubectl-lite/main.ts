#!/usr/bin/env node
// The kubectl-lite bin: real stdout/stderr/stdin, Ctrl-C ends a watch, the exit code is kubectl's.
import { runKubectlLite } from "./index.js";

const abort = new AbortController();
process.once("SIGINT", () => abort.abort());

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

process.exitCode = await runKubectlLite(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  readStdin,
  signal: abort.signal,
  now: () => Date.now(),
});
