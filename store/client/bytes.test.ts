import { describe, expect, it } from "vitest";
import { bytesToText, decodeBase64, encodeBase64, prefixRangeEnd, toBytes } from "./bytes.js";

describe("prefixRangeEnd (etcd's GetPrefixRangeEnd)", () => {
  it("increments the last byte", () => {
    expect(prefixRangeEnd("/registry/pods/")).toEqual(toBytes("/registry/pods0"));
    expect(prefixRangeEnd(new Uint8Array([0x61, 0x00]))).toEqual(new Uint8Array([0x61, 0x01]));
  });

  it("strips trailing 0xff bytes before incrementing", () => {
    expect(prefixRangeEnd(new Uint8Array([0x61, 0xff, 0xff]))).toEqual(new Uint8Array([0x62]));
    expect(prefixRangeEnd(new Uint8Array([0x01, 0xfe, 0xff]))).toEqual(new Uint8Array([0x01, 0xff]));
  });

  it('answers "\\0" (every key from here on) for all-0xff and empty prefixes', () => {
    expect(prefixRangeEnd(new Uint8Array([0xff, 0xff]))).toEqual(new Uint8Array([0]));
    expect(prefixRangeEnd("")).toEqual(new Uint8Array([0]));
  });

  it("does not modify its input", () => {
    const prefix = new Uint8Array([0x61, 0x62]);
    prefixRangeEnd(prefix);
    expect(prefix).toEqual(new Uint8Array([0x61, 0x62]));
  });
});

describe("base64", () => {
  it("round-trips bytes and UTF-8 text", () => {
    const bytes = new Uint8Array([0, 1, 254, 255]);
    expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
    expect(encodeBase64("/t/a")).toBe("L3QvYQ==");
    expect(bytesToText(decodeBase64(encodeBase64("héllo ✓")))).toBe("héllo ✓");
  });

  it("encodes a view on a larger buffer by its own bytes only", () => {
    const view = new Uint8Array([9, 9, 0x61, 9]).subarray(2, 3);
    expect(encodeBase64(view)).toBe("YQ==");
  });

  it("decodes to a plain Uint8Array", () => {
    expect(Object.getPrototypeOf(decodeBase64("YQ=="))).toBe(Uint8Array.prototype);
  });
});
