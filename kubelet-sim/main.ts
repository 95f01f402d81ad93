#!/usr/bin/env node
// Runs `kubelet-sim` directly (node --import tsx kubelet-sim/main.ts …) — the same entry
// `kube-lite kubelet-sim` calls, for tests and for running it before the cluster CLI wires it.
import { runKubeletSim } from "./index.js";

runKubeletSim(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
