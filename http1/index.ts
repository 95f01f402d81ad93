// http1 — a lean HTTP/1.1 client for requests answered whole: keep-alive connection pools to one
// origin, one write per request, a small response parser. The store client (apiserver → store)
// and the Kubernetes REST client (control loops → apiserver) send their unary requests through
// it; streams (watches) stay on node:http.
export { Http1Pool, Http1Pools, type Http1PoolOptions, type Http1Request, type Http1Outcome } from "./pool.js";
export { ResponseParser, ResponseTooLargeError, type ParsedResponse } from "./response-parser.js";
