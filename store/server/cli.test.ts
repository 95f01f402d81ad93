import { describe, expect, it } from "vitest";
import { parseStoreFlags } from "./cli.js";

describe("kube-lite store flags", () => {
  const base = ["--name", "s1", "--initial-cluster", "s1=http://127.0.0.1:12380,s2=http://127.0.0.1:22380,s3=http://127.0.0.1:32380"];

  it("fast-forwards the first election by default, as etcd's --initial-election-tick-advance", () => {
    expect(parseStoreFlags(base).initialElectionTickAdvance).toBe(true);
  });

  it("takes the flag as Go parses booleans, and refuses anything else", () => {
    expect(parseStoreFlags([...base, "--initial-election-tick-advance=false"]).initialElectionTickAdvance).toBe(false);
    expect(parseStoreFlags([...base, "--initial-election-tick-advance", "0"]).initialElectionTickAdvance).toBe(false);
    expect(parseStoreFlags([...base, "--initial-election-tick-advance=T"]).initialElectionTickAdvance).toBe(true);
    expect(() => parseStoreFlags([...base, "--initial-election-tick-advance=maybe"])).toThrow(/--initial-election-tick-advance must be true or false, not 'maybe'/);
  });
});
