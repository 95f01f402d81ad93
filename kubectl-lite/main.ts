#!/usr/bin/env node
import { runKubectlLite } from "./index.js";

process.exitCode = runKubectlLite(process.argv.slice(2), (line) => console.log(line));
