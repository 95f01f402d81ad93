#!/usr/bin/env node
// A direct entry for `node --import tsx scheduler/main.ts ...` (tests, before `kube-lite
// scheduler` is wired into cluster/); the component runs in this process.
import { runScheduler } from "./cli.js";

runScheduler(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
