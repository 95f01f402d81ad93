#!/usr/bin/env node
import { runKubeLite } from "./index.js";

process.exitCode = runKubeLite(process.argv.slice(2), (line) => console.log(line));
