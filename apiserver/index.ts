// apiserver — the Kubernetes API over the store: fastify app (buildApiServer), REST verbs with
// Kubernetes' metadata, validation, defaults, patch and server-side apply, optimistic
// concurrency through store transactions, a watch cache per resource fanned out to every
// client (HTTP chunked or WebSocket), discovery, OpenAPI v3 and Tables for kubectl.
export { buildApiServer, type ApiServer, type ApiServerOptions } from "./app.js";
export { runApiServer, parseApiServerFlags, apiServerUsage } from "./cli.js";
export { findResource, resources, type ResourceInfo } from "./resources.js";
export { streamWatch, type EventTransport, type WatchStreamOptions } from "./watch-stream.js";
