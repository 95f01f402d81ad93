import { describe, expect, it } from "vitest";
import type { Message } from "../raft/index.js";
import { decodeBinaryJson, encodeBinaryJson } from "./binary-json.js";
import { isMessage, parsePeerFrame } from "./peer-frames.js";
import { FrameReader } from "./transport.js";

describe("binary JSON", () => {
  it("round-trips nested byte arrays as bytes", () => {
    const value = { a: new Uint8Array([1, 2, 3]), list: [{ data: new Uint8Array(0) }, { data: new Uint8Array([255]) }], n: 7, s: "x" };
    const encoded = encodeBinaryJson(value);
    // The bytes travel raw: the JSON text holds references, not base64.
    expect(encoded.toString("latin1")).not.toContain("AQID");
    expect(decodeBinaryJson(encoded)).toEqual(value);
  });

  it("carries Buffers (as SQLite returns them) as bytes too", () => {
    const decoded = decodeBinaryJson(encodeBinaryJson({ data: Buffer.from([7, 8]) })) as { data: Uint8Array };
    expect(decoded.data).toEqual(new Uint8Array([7, 8]));
  });

  it("refuses a frame whose blob runs past its end", () => {
    const encoded = encodeBinaryJson({ a: new Uint8Array(10) });
    expect(() => decodeBinaryJson(encoded.subarray(0, encoded.byteLength - 3))).toThrow(RangeError);
  });
});

describe("frame reader", () => {
  const frame = (payload: Buffer) => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(payload.byteLength);
    return Buffer.concat([header, payload]);
  };

  it("reassembles frames split at every byte and joined together", () => {
    const frames = [Buffer.from("hello"), Buffer.alloc(0), Buffer.from("a longer frame body")];
    const stream = Buffer.concat(frames.map(frame));
    for (const chunkSize of [1, 2, 3, 7, stream.byteLength]) {
      const seen: string[] = [];
      const reader = new FrameReader((f) => seen.push(f.toString()));
      for (let at = 0; at < stream.byteLength; at += chunkSize) expect(reader.push(stream.subarray(at, at + chunkSize))).toBe(true);
      expect(seen).toEqual(frames.map((f) => f.toString()));
    }
  });

  it("rejects a frame that announces more than the limit", () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0xffffffff);
    expect(new FrameReader(() => undefined).push(header)).toBe(false);
  });
});

describe("peer frames", () => {
  const append: Message = { type: "append", from: "s1", to: "s2", term: 3, prevLogIndex: 4, prevLogTerm: 2, commit: 4, entries: [{ index: 5, term: 3, data: new Uint8Array([1]) }], commitOnly: false };

  it("accepts well-formed Raft messages after a wire round trip", () => {
    const decoded = decodeBinaryJson(encodeBinaryJson({ raft: [append] }));
    expect(parsePeerFrame(decoded)).toEqual({ raft: [append] });
  });

  it("accepts an append without commitOnly, as members of earlier versions send it (rolling restart)", () => {
    const { commitOnly: _, ...earlier } = append as Extract<Message, { type: "append" }>;
    expect(parsePeerFrame(decodeBinaryJson(encodeBinaryJson({ raft: [earlier] })))).toEqual({ raft: [earlier] });
  });

  it.each([
    ["unknown type", { ...append, type: "bogus" }],
    ["negative term", { ...append, term: -1 }],
    ["entry without bytes", { ...append, entries: [{ index: 5, term: 3, data: "x" }] }],
    ["missing commit", { ...append, commit: undefined }],
    ["commitOnly not a boolean", { ...append, commitOnly: "yes" }],
  ])("rejects a message with %s", (_why, message) => {
    expect(isMessage(message)).toBe(false);
    expect(parsePeerFrame({ raft: [message] })).toBeUndefined();
  });

  it("rejects frames of unknown shape", () => {
    expect(parsePeerFrame(null)).toBeUndefined();
    expect(parsePeerFrame({ forward: { id: 1, data: new Uint8Array() } })).toBeUndefined();
    expect(parsePeerFrame({ something: true })).toBeUndefined();
  });
});
