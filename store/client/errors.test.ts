import { describe, expect, it } from "vitest";
import { classifyErrorAnswer, GrpcCode } from "./errors.js";

describe("classifyErrorAnswer", () => {
  it("retries refusals that come before a proposal", () => {
    expect(classifyErrorAnswer(503, GrpcCode.unavailable, "etcdserver: no leader")).toBe("retry");
    expect(classifyErrorAnswer(503, GrpcCode.unavailable, "etcdserver: leader changed")).toBe("retry");
    expect(classifyErrorAnswer(503, GrpcCode.unavailable, "etcdserver: not capable")).toBe("retry");
    expect(classifyErrorAnswer(429, GrpcCode.resourceExhausted, "etcdserver: too many requests")).toBe("retry");
  });

  it("leaves the outcome open after a proposal may have entered the log", () => {
    expect(classifyErrorAnswer(503, GrpcCode.unavailable, "etcdserver: request timed out")).toBe("ambiguous");
    expect(classifyErrorAnswer(503, GrpcCode.unavailable, "etcdserver: request timed out, possibly due to previous leader failure")).toBe("ambiguous");
    expect(classifyErrorAnswer(503, GrpcCode.unavailable, "etcdserver: server stopped")).toBe("ambiguous");
    expect(classifyErrorAnswer(500, GrpcCode.unknown, "context deadline exceeded")).toBe("ambiguous");
    expect(classifyErrorAnswer(504, GrpcCode.deadlineExceeded, "context deadline exceeded")).toBe("ambiguous");
  });

  it("fails on answers that would not change on retry", () => {
    expect(classifyErrorAnswer(400, GrpcCode.invalidArgument, "etcdserver: key is not provided")).toBe("fail");
    expect(classifyErrorAnswer(400, GrpcCode.outOfRange, "etcdserver: mvcc: required revision has been compacted")).toBe("fail");
    expect(classifyErrorAnswer(404, GrpcCode.notFound, "etcdserver: requested lease not found")).toBe("fail");
    expect(classifyErrorAnswer(412, GrpcCode.failedPrecondition, "etcdserver: lease already exists")).toBe("fail");
    expect(classifyErrorAnswer(429, GrpcCode.resourceExhausted, "grpc: received message larger than max (3000013 vs. 2097152)")).toBe("fail");
  });
});
