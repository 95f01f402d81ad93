import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";

// SQLite applies PRAGMA synchronous while a statement is *prepared*, and a prepared one's first
// run does nothing: a member that prepared "synchronous = FULL" and "= NORMAL" once at start ran
// its first fsync'd Readies unsynced. The member sets the level with db.pragma() (prepare and
// run) instead; this test keeps the trap documented and the sources free of it.
describe("PRAGMA synchronous and prepared statements", () => {
  it("takes effect when prepared, not when first run (why the member never prepares one)", () => {
    const db = new Database(":memory:");
    const level = () => db.pragma("synchronous", { simple: true });
    db.pragma("synchronous = FULL");
    const full = db.prepare("PRAGMA synchronous = FULL");
    db.prepare("PRAGMA synchronous = NORMAL");
    expect(level()).toBe(1);
    full.run();
    expect(level()).toBe(1);
    db.close();
  });

  it("is never a prepared statement in the store's sources", () => {
    const root = path.resolve(import.meta.dirname, "..");
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (file.endsWith(".ts") && !file.endsWith(".test.ts") && /prepare\(\s*["'`]PRAGMA/i.test(fs.readFileSync(file, "utf8"))) offenders.push(path.relative(root, file));
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
