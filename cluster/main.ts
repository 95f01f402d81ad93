#!/usr/bin/env node
import { runKubeLite } from "./index.js";

runKubeLite(process.argv.slice(2), (line) => console.log(line)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
