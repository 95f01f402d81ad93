// Bundles the two command-line programs, after tsc has compiled them into dist/:
// dist/cluster/main.js (kube-lite) and dist/kubectl-lite/main.js are rewritten in place as
// esbuild bundles, with the code they share and each role's code (loaded on demand) in chunks
// under dist/cluster/. `kube-lite up` starts a dozen processes at once on a small machine, and
// loading hundreds of separate modules cost each of them 0.2-0.6 s of CPU; one bundle per role
// loads in a fraction of that. better-sqlite3 and fastify's unused schema compilers stay outside (see `external`).
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const chunkDir = path.join(root, "dist/cluster");
// Chunks of an earlier bundle (their names are content hashes) would pile up.
for (const file of fs.readdirSync(chunkDir)) if (/^chunk-\w+\.js(\.map)?$/.test(file)) fs.rmSync(path.join(chunkDir, file));

await build({
  absWorkingDir: root,
  entryPoints: { "cluster/main": "dist/cluster/main.js", "kubectl-lite/main": "dist/kubectl-lite/main.js" },
  outdir: "dist",
  // Chunks sit beside kube-lite's main.js: `kube-lite up` finds main.js from its own directory.
  chunkNames: "cluster/chunk-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // better-sqlite3 loads a native addon by path. Fastify's schema compilers (ajv and
  // fast-json-stringify behind them) are never used: apiserver/app.ts gives fastify factories that
  // refuse, so nothing requires these two at run time, and left out they cost no parsing at start.
  external: ["better-sqlite3", "@fastify/ajv-compiler", "@fastify/fast-json-stringify-compiler"],
  allowOverwrite: true,
  sourcemap: true,
  // Less to read and parse at every start; names are kept, so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  // CommonJS dependencies (pino, fastify, ws) call require(); ES modules have none of their own.
  banner: { js: "import { createRequire as kubeLiteCreateRequire } from 'node:module'; const require = kubeLiteCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
