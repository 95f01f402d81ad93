import { describe, expect, it } from "vitest";
import { ResponseParser, ResponseTooLargeError } from "./response-parser.js";

const bytes = (text: string): Buffer => Buffer.from(text, "latin1");

/** Feeds `text` one byte at a time: a response is whole only at its last byte. */
function byteByByte(text: string, max = 1 << 20) {
  const parser = new ResponseParser(max);
  const input = bytes(text);
  for (let i = 0; i < input.length; i += 1) {
    const response = parser.push(input.subarray(i, i + 1));
    if (response !== undefined) return { response, at: i, length: input.length };
  }
  return { response: undefined, at: -1, length: input.length };
}

describe("ResponseParser", () => {
  it("reads a Content-Length body, in one piece or byte by byte", () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a":"b c"}';
    const whole = new ResponseParser(1024).push(bytes(text));
    expect(whole?.status).toBe(200);
    expect(whole?.headers["content-type"]).toBe("application/json");
    expect(whole?.body.toString()).toBe('{"a":"b c"}');
    expect(whole?.keepAlive).toBe(true);
    const split = byteByByte(text);
    expect(split.at).toBe(split.length - 1);
    expect(split.response?.body.toString()).toBe('{"a":"b c"}');
  });

  it("reads a chunked body with extensions and trailers, byte by byte", () => {
    const text = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
    const { response, at, length } = byteByByte(text);
    expect(at).toBe(length - 1);
    expect(response?.status).toBe(201);
    expect(response?.body.toString()).toBe("hello world");
    expect(response?.keepAlive).toBe(true);
  });

  it("has no body for 204 and 304, and skips interim 1xx answers", () => {
    expect(new ResponseParser(10).push(bytes("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"))?.body.length).toBe(0);
    const parser = new ResponseParser(100);
    const response = parser.push(bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
    expect(response?.status).toBe(200);
    expect(response?.body.toString()).toBe("ok");
  });

  it("joins repeated headers and lower-cases names", () => {
    const response = new ResponseParser(10).push(bytes("HTTP/1.1 200 OK\r\nWarning: 299 - \"a\"\r\nwarning: 299 - \"b\"\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"));
    expect(response?.headers.warning).toBe('299 - "a", 299 - "b"');
    expect(response?.headers["retry-after"]).toBe("1");
    // Single-valued headers keep their first value, as node:http does.
    const twice = new ResponseParser(10).push(bytes("HTTP/1.1 503 x\r\nRetry-After: 2\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n"));
    expect(twice?.headers["retry-after"]).toBe("2");
  });

  it("knows when the connection cannot be reused", () => {
    expect(new ResponseParser(10).push(bytes("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))?.keepAlive).toBe(false);
    expect(new ResponseParser(10).push(bytes("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"))?.keepAlive).toBe(false);
    expect(new ResponseParser(10).push(bytes("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"))?.keepAlive).toBe(true);
  });

  it("reads a body without length up to the close, and calls a close before the end a cut", () => {
    const open = new ResponseParser(100);
    expect(open.push(bytes("HTTP/1.1 200 OK\r\n\r\npart"))).toBeUndefined();
    expect(open.push(bytes("ial"))).toBeUndefined();
    const response = open.end();
    expect(response?.body.toString()).toBe("partial");
    expect(response?.keepAlive).toBe(false);
    const cut = new ResponseParser(100);
    expect(cut.push(bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))).toBeUndefined();
    expect(cut.started).toBe(true);
    expect(cut.end()).toBeUndefined();
    expect(new ResponseParser(100).started).toBe(false);
  });

  it("refuses bodies over the limit, bytes that are not HTTP, and bytes after the answer", () => {
    expect(() => new ResponseParser(4).push(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"))).toThrow(ResponseTooLargeError);
    expect(() => new ResponseParser(4).push(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))).toThrow(ResponseTooLargeError);
    expect(() => new ResponseParser(4).push(bytes("SSH-2.0-OpenSSH\r\n\r\n"))).toThrow(/not an HTTP/);
    expect(() => new ResponseParser(4).push(bytes("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"))).toThrow(/content-length/);
    expect(() => new ResponseParser(4).push(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))).toThrow(/chunk size/);
    expect(() => new ResponseParser(10).push(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab"))).toThrow(/after the answer/);
  });
});
