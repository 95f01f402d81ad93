// An HTTP/1.1 response parser for a client that sends one request at a time on a connection: fed
// the bytes read from the socket, it says when one whole response has arrived. Pure: no sockets,
// no timers. The body's end is found as RFC 9112 §6.3 says for the answer to a request that is
// not HEAD: no body for 1xx, 204 and 304; chunked; Content-Length; otherwise up to the close.

export interface ParsedResponse {
  readonly status: number;
  /** Lower-case names; a header sent more than once has its values joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** Whether the connection may carry another request (HTTP/1.1 without `Connection: close`, a body with a known end). */
  readonly keepAlive: boolean;
}

export class ResponseTooLargeError extends Error {}

/** Header block size past which the answer is not HTTP (Node's server default limit is 16 KiB). */
const headerBytesMax = 64 * 1024;
const crlf = Buffer.from("\r\n");
/** Headers node:http keeps the first of when repeated (the rest are joined with ", "). */
const singleValued = new Set(["age", "authorization", "content-length", "content-type", "etag", "expires", "from", "host", "if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards", "proxy-authorization", "referer", "retry-after", "server", "user-agent"]);
const headerEnd = Buffer.from("\r\n\r\n");

type BodyMode = { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" } | { kind: "close" };

interface Head {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly keepAlive: boolean;
  readonly mode: BodyMode;
}

export class ResponseParser {
  private buffered: Buffer = Buffer.alloc(0);
  private head: Head | undefined;
  private readonly bodyParts: Buffer[] = [];
  private bodyBytes = 0;
  /** Chunked bodies: bytes still to read of the current chunk, or undefined between chunks. */
  private chunkLeft: number | undefined;
  private inTrailers = false;

  constructor(private readonly bodyBytesMax: number) {}

  /** Whether any byte of a response has arrived. */
  get started(): boolean {
    return this.head !== undefined || this.buffered.length > 0;
  }

  /**
   * Adds bytes; returns the response once it is whole. Throws on bytes that are not an HTTP/1.x
   * answer, or ResponseTooLargeError past the body limit. Bytes after a whole response (the
   * server answering what was not asked) are an error too.
   */
  push(chunk: Buffer): ParsedResponse | undefined {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      if (this.head === undefined) {
        const end = this.buffered.indexOf(headerEnd);
        if (end < 0) {
          if (this.buffered.length > headerBytesMax) throw new Error("answer header too large");
          return undefined;
        }
        const head = parseHead(this.buffered.toString("latin1", 0, end));
        this.buffered = this.buffered.subarray(end + headerEnd.length);
        // An interim answer (100 Continue, 103 Early Hints) comes before the real one.
        if (head.status >= 100 && head.status < 200) continue;
        this.head = head;
      }
      const done = this.readBody();
      if (!done) return undefined;
      if (this.buffered.length > 0) throw new Error("unexpected bytes after the answer");
      return this.finish(this.head.keepAlive);
    }
  }

  /** The connection closed: the response if it was one read up to the close, else undefined (cut off). */
  end(): ParsedResponse | undefined {
    if (this.head?.mode.kind !== "close") return undefined;
    this.take(this.buffered);
    this.buffered = Buffer.alloc(0);
    return this.finish(false);
  }

  private finish(keepAlive: boolean): ParsedResponse {
    const head = this.head as Head;
    const body = this.bodyParts.length === 1 ? (this.bodyParts[0] as Buffer) : Buffer.concat(this.bodyParts, this.bodyBytes);
    return { status: head.status, headers: head.headers, body, keepAlive };
  }

  private take(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.bodyBytes += bytes.length;
    if (this.bodyBytes > this.bodyBytesMax) throw new ResponseTooLargeError(`answer larger than ${this.bodyBytesMax} bytes`);
    this.bodyParts.push(bytes);
  }

  /** Consumes what it can of the body; true once it is complete. */
  private readBody(): boolean {
    const mode = (this.head as Head).mode;
    switch (mode.kind) {
      case "none":
        return true;
      case "close":
        this.take(this.buffered);
        this.buffered = Buffer.alloc(0);
        return false;
      case "length": {
        const want = mode.length - this.bodyBytes;
        if (mode.length > this.bodyBytesMax) throw new ResponseTooLargeError(`answer larger than ${this.bodyBytesMax} bytes`);
        const part = this.buffered.subarray(0, want);
        this.take(part);
        this.buffered = this.buffered.subarray(part.length);
        return this.bodyBytes === mode.length;
      }
      case "chunked":
        return this.readChunks();
    }
  }

  private readChunks(): boolean {
    for (;;) {
      if (this.inTrailers) {
        // Trailer fields, then an empty line. None are used; they are skipped.
        const eol = this.buffered.indexOf(crlf);
        if (eol < 0) return false;
        this.buffered = this.buffered.subarray(eol + 2);
        if (eol === 0) return true;
        continue;
      }
      if (this.chunkLeft === undefined) {
        const eol = this.buffered.indexOf(crlf);
        if (eol < 0) {
          if (this.buffered.length > 1024) throw new Error("bad chunk size line");
          return false;
        }
        const sizeText = this.buffered.toString("latin1", 0, eol).split(";")[0]?.trim() ?? "";
        if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new Error(`bad chunk size '${sizeText}'`);
        const size = Number.parseInt(sizeText, 16);
        this.buffered = this.buffered.subarray(eol + 2);
        if (size === 0) {
          this.inTrailers = true;
          continue;
        }
        this.chunkLeft = size;
      }
      if (this.chunkLeft > 0) {
        const part = this.buffered.subarray(0, this.chunkLeft);
        this.take(part);
        this.buffered = this.buffered.subarray(part.length);
        this.chunkLeft -= part.length;
        if (this.chunkLeft > 0) return false;
      }
      // The chunk's data ends with CRLF.
      if (this.buffered.length < 2) return false;
      if (this.buffered[0] !== 13 || this.buffered[1] !== 10) throw new Error("chunk data not followed by CRLF");
      this.buffered = this.buffered.subarray(2);
      this.chunkLeft = undefined;
    }
  }
}

function parseHead(text: string): Head {
  const lines = text.split("\r\n");
  const statusLine = lines[0] ?? "";
  const match = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(statusLine);
  if (match === null) throw new Error(`not an HTTP/1.x answer: '${statusLine.slice(0, 80)}'`);
  const minor = match[1];
  const status = Number(match[2]);
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i] as string;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`bad header line '${line.slice(0, 80)}'`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (headers[name] === undefined) headers[name] = value;
    else if (!singleValued.has(name)) headers[name] = `${headers[name]}, ${value}`;
  }
  const connection = (headers.connection ?? "").toLowerCase();
  let keepAlive = minor === "1" ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  let mode: BodyMode;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
    mode = { kind: "none" };
  } else if (/\bchunked\s*$/i.test(headers["transfer-encoding"] ?? "")) {
    mode = { kind: "chunked" };
  } else if (headers["content-length"] !== undefined) {
    const lengthText = headers["content-length"];
    if (!/^\d+$/.test(lengthText)) throw new Error(`bad content-length '${lengthText}'`);
    mode = { kind: "length", length: Number(lengthText) };
  } else {
    mode = { kind: "close" };
    keepAlive = false;
  }
  return { status, headers, keepAlive, mode };
}
