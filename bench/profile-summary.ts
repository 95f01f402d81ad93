// node --import tsx bench/profile-summary.ts FILE.cpuprofile... [--top N]
// Summarizes any node --cpu-prof profile the way `npm run bench:store -- --profile DIR` does.
import path from "node:path";
import { parseArgs } from "node:util";
import { profileMarkdown, summarizeProfile } from "./support/cpu-profile.js";

const { values, positionals } = parseArgs({ options: { top: { type: "string", default: "25" } }, allowPositionals: true });
if (positionals.length === 0) {
  console.error("usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile... [--top N]");
  process.exit(2);
}
for (const file of positionals) {
  process.stdout.write(`${profileMarkdown(summarizeProfile(file, { top: Number(values.top) }), path.basename(file))}\n`);
}
