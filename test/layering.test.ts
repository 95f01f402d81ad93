import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { layeringViolation } from "../scripts/layering.mjs";

const root = path.resolve(import.meta.dirname, "..");
const file = (relative: string) => path.join(root, relative);

describe("layering rule", () => {
  it("allows imports inside a module and through an allowed index", () => {
    expect(layeringViolation(root, file("store/raft/raft.ts"), "./log.js")).toBeUndefined();
    expect(layeringViolation(root, file("store/sim/sim.ts"), "../raft/index.js")).toBeUndefined();
    expect(layeringViolation(root, file("test/e2e.test.ts"), "../store/raft/index.js")).toBeUndefined();
    expect(layeringViolation(root, file("store/raft/raft.ts"), "node:assert/strict")).toBeUndefined();
  });

  it("refuses reaching past another module's index", () => {
    expect(layeringViolation(root, file("store/sim/sim.ts"), "../raft/log.js")).toMatch(/through its index/);
    expect(layeringViolation(root, file("test/x.test.ts"), "../store/raft/log.js")).toMatch(/through its index/);
  });

  it("refuses edges the table does not allow", () => {
    expect(layeringViolation(root, file("store/raft/raft.ts"), "../server/index.js")).toMatch(/may not import/);
    expect(layeringViolation(root, file("controllers/x.ts"), "../store/client/index.js")).toMatch(/may not import/);
  });

  it("is wired into ESLint, so npm test fails on a violation", async () => {
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText('export { Raft } from "../server/index.js";\n', {
      filePath: file("store/raft/bad-import.ts"),
    });
    const messages = result?.messages.map((m) => m.message) ?? [];
    expect(messages.some((m) => m.startsWith("layering:"))).toBe(true);
  });
});
