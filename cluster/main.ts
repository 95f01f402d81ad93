#!/usr/bin/env node
import { runKubeLite } from "./index.js";

runKubeLite(process.argv.slice(2), (line) => console.log(line)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    // Exit now: a component that failed part-way through starting (its client port taken after
    // its peer port was bound) would otherwise stay up half-started, as a member with no client API.
    process.exit(1);
  },
);
