// buildApiServer: the fastify app (no listening here; main.ts listens, tests inject).
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { StoreClient } from "../store/client/index.js";
import { ServiceIpRange, type TolerationDefaults } from "./admission.js";
import { parseBody, parseObjectBody, patchTypeOf, requestBytesMax } from "./body.js";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, serverVersion } from "./discovery.js";
import { ApiError, badRequest, fromStoreError, methodNotAllowed, noSuchPath, unavailable } from "./errors.js";
import { listObject, listObjects, parseFilter } from "./list.js";
import { ObjectService } from "./object-service.js";
import { resources } from "./resources.js";
import { openApiIndex, openApiDocument } from "./openapi.js";
import { deleteOptionsOf, listOptionsOf, parseQuery, writeOptionsOf, type RequestQuery } from "./query.js";
import { parseResourcePath, type RequestTarget } from "./request-info.js";
import { render, responseFormatOf, type ResponseFormat } from "./render.js";
import { metadataOf, RegistryStorage, type KubeObject } from "./storage.js";
import { bootstrapCluster } from "./bootstrap.js";
import { EventLeases } from "./event-leases.js";
import { streamWatch, type EventTransport } from "./watch-stream.js";
import { WatchCaches } from "./watch-cache.js";
import { attachWebSocketWatch } from "./websocket.js";
import { watchCacheReadyTimeoutMs, watchStreamOptions, type WatchSettings } from "./watch-request.js";

export interface ApiServerOptions {
  readonly store: StoreClient;
  /** --service-cluster-ip-range (default 10.96.0.0/12). */
  readonly serviceClusterIpRange?: string;
  readonly tolerations?: Partial<TolerationDefaults>;
  readonly nowMs?: () => number;
  readonly random?: () => number;
  readonly newUid?: () => string;
  readonly logLevel?: string;
  /** Events each resource's watch cache keeps for resuming watchers. Default 10,000. */
  readonly watchCacheEventsMax?: number;
  /** Bytes a watch client may leave unread before it is cut off. Default 16 MiB. */
  readonly watchBytesBufferedMax?: number;
  /** Default 60 s (Kubernetes sends bookmarks about once a minute). */
  readonly bookmarkIntervalMs?: number;
  /** --event-ttl: events expire this long after their last write. Default 3600. */
  readonly eventTtlSeconds?: number;
  /** Start every resource's watch cache at once (default) rather than at its first watch. */
  readonly startWatchCaches?: boolean;
  /** Create the default namespaces and the kubernetes service. Default true. */
  readonly bootstrap?: boolean;
}

export interface ApiServer {
  readonly app: FastifyInstance;
  readonly objects: ObjectService;
  readonly caches: WatchCaches;
  /** Resolves once the default namespaces exist (retried until the store answers). */
  readonly bootstrapped: Promise<void>;
}

function noSchemaCompiler(): never {
  throw new Error("kube-lite's apiserver declares no fastify route schemas; validate with zod instead");
}

/** Kubernetes' default watch length is min-request-timeout (30 min) times 1–2; long enough. */
const watchTimeoutDefaultMs = 30 * 60 * 1000;

export function buildApiServer(options: ApiServerOptions): ApiServer {
  const app = Fastify({
    logger: { level: options.logLevel ?? "info", base: { component: "apiserver" } },
    // Per-request log lines off: a busy apiserver would log little else.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: requestBytesMax,
    // Kubernetes' paths carry names with dots and colons; keep them as sent.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    // Errors fastify meets before routing (a malformed URL) are Statuses too.
    frameworkErrors: (error, _request, reply) => {
      void (reply as unknown as FastifyReply).code(400).type("application/json").send(badRequest(`the request could not be read: ${error.message}`).toStatus());
    },
    // No route declares a fastify schema (bodies are parsed with zod, answers written as JSON), so
    // fastify's ajv and fast-json-stringify compilers are never needed: without these factories
    // fastify would load both (~0.7 MB of code) at every start. scripts/bundle.mjs leaves them out.
    schemaController: { compilersFactory: { buildValidator: noSchemaCompiler, buildSerializer: noSchemaCompiler } },
  });
  const nowMs = options.nowMs ?? Date.now;
  const random = options.random ?? Math.random;
  const storage = new RegistryStorage(options.store);
  const caches = new WatchCaches(options.store, {
    eventsWindowMax: options.watchCacheEventsMax ?? 10_000,
    log: (line, message) => app.log.warn(line, message),
  });
  const objects = new ObjectService({
    storage,
    nowMs,
    random,
    ...(options.newUid === undefined ? {} : { newUid: options.newUid }),
    serviceIpRange: new ServiceIpRange(options.serviceClusterIpRange ?? "10.96.0.0/12"),
    tolerations: { notReadySeconds: options.tolerations?.notReadySeconds ?? 300, unreachableSeconds: options.tolerations?.unreachableSeconds ?? 300 },
    eventLeases: new EventLeases(options.store, options.eventTtlSeconds ?? 3600, nowMs),
    cachedObject: (info, key, atLeastRevision) => {
      if (!info.verbs.includes("watch")) return undefined;
      const object = caches.for(info).peek(key, atLeastRevision);
      return object === undefined || object === null ? undefined : { key, object, modRevision: Number(metadataOf(object).resourceVersion) };
    },
  });
  const watchSettings: WatchSettings = {
    nowMs,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    watchTimeoutDefaultMs,
    log: (line, message) => app.log.info(line, message),
    ...(options.watchBytesBufferedMax === undefined ? {} : { bytesBufferedMax: options.watchBytesBufferedMax }),
  };

  // Bodies stay text until the verb knows how to read them (JSON, YAML, a patch type).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));
  app.addContentTypeParser("application/vnd.kubernetes.protobuf", { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code >= 500 && apiError.code !== 503 && apiError.code !== 504) {
      request.log.error({ err: error, method: request.method, url: request.url }, "request failed");
    }
    const retryAfter = apiError.details?.retryAfterSeconds;
    if (retryAfter !== undefined) void reply.header("Retry-After", String(retryAfter));
    void reply.code(apiError.code).type("application/json").send(apiError.toStatus());
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).type("application/json").send(noSuchPath().toStatus());
  });

  app.get("/version", async () => serverVersion);
  for (const path of ["/healthz", "/livez"]) app.get(path, async (_request, reply) => reply.type("text/plain").send("ok"));
  app.get("/readyz", async (_request, reply) => {
    try {
      await options.store.range({ key: "/registry/namespaces/default", countOnly: true });
      return reply.type("text/plain").send("ok");
    } catch (error) {
      return reply.code(503).header("Retry-After", "1").type("text/plain").send(`[-]etcd failed: ${String(error)}\nreadyz check failed`);
    }
  });
  app.get("/api", async (request) => apiVersions(request.headers.host ?? "127.0.0.1"));
  app.get("/apis", async () => apiGroupList());
  app.get("/openapi/v3", async () => openApiIndex());
  app.get("/openapi/v3/*", async (request) => {
    const path = (request.params as { "*": string })["*"];
    const document = openApiDocument(path);
    if (document === undefined) throw new ApiError(404, "NotFound", `no OpenAPI document for ${path}`);
    return document;
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply, group: string, version: string, rest: string): Promise<unknown> => {
    const segments = rest === "" ? [] : rest.split("/");
    if (segments.length === 0) {
      if (request.method !== "GET") throw methodNotAllowed(`${request.method} is not allowed on the discovery document`);
      const list = apiResourceList(group, version);
      if (list === undefined) throw noSuchPath();
      return list;
    }
    const target = parseResourcePath(group, version, segments);
    // As Kubernetes serves it, the finalize subresource only takes a PUT.
    if (target.subresource === "finalize" && request.method !== "PUT") throw methodNotAllowed(`${request.method} is not allowed on namespaces/finalize`);
    const query = parseQuery(request.query);
    const format = responseFormatOf(request.headers.accept);
    switch (request.method) {
      case "GET":
        if (target.name === undefined) {
          if (query.watch === true) return watch(reply, target, query, format);
          return render(target.info, await listObjectsFor(target, query), format, query, nowMs());
        }
        if (query.watch === true) return watch(reply, target, query, format);
        return render(target.info, await objects.get(target), format, query, nowMs());
      case "POST": {
        const body = parseObjectBody(request.body, request.headers["content-type"]);
        return send(reply, await objects.create(target, body, writeOptionsOf(query, request.headers["user-agent"])), target, format, query);
      }
      case "PUT": {
        const body = parseObjectBody(request.body, request.headers["content-type"]);
        return send(reply, await objects.update(target, body, writeOptionsOf(query, request.headers["user-agent"])), target, format, query);
      }
      case "PATCH": {
        const patchType = patchTypeOf(request.headers["content-type"]);
        const body = parseBody(textBody(request), patchType === "apply" ? "apply" : "json");
        return send(reply, await objects.patch(target, patchType, body, writeOptionsOf(query, request.headers["user-agent"])), target, format, query);
      }
      case "DELETE": {
        const text = typeof request.body === "string" && request.body.trim() !== "" ? request.body : undefined;
        const deleteOptions = deleteOptionsOf(query, text === undefined ? undefined : parseBody(text, "json"));
        if (target.name === undefined) {
          if (!target.info.verbs.includes("deletecollection")) throw methodNotAllowed("deletecollection is not allowed on this resource");
          const page = await listObjects(storage, target.info, target.namespace, listOptionsOf({ ...query, limit: undefined, continue: undefined }));
          const deleted = await objects.deleteEach(target.info, page.items, deleteOptions);
          return listObject(target.info, { ...page, items: deleted.map((object) => ({ key: "", object, modRevision: 0 })) });
        }
        const result = await objects.delete(target, deleteOptions);
        return send(reply, result, target, format, query);
      }
      default:
        throw methodNotAllowed(`${request.method} is not allowed`);
    }
  };

  const listObjectsFor = async (target: RequestTarget, query: RequestQuery): Promise<KubeObject> => {
    // resourceVersion=0 means "any version": served from the watch cache, as Kubernetes does
    // (informers list that way), without a store read. Otherwise a consistent read of the store.
    if (query.resourceVersion === "0" && (query.continue ?? "") === "" && (query.resourceVersionMatch ?? "") !== "Exact") {
      const cached = caches.for(target.info).list(parseFilter(target.info, target.namespace, query.labelSelector, query.fieldSelector));
      if (cached !== undefined) return listObject(target.info, { items: cached.items.map((item) => ({ ...item, modRevision: 0 })), revision: cached.revision });
    }
    return listObject(target.info, await listObjects(storage, target.info, target.namespace, listOptionsOf(query)));
  };

  const send = (reply: FastifyReply, result: { code: number; body: KubeObject; warnings: string[] }, target: RequestTarget, format: ResponseFormat, query: RequestQuery): unknown => {
    if (result.warnings.length > 0) void reply.header("Warning", result.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", "));
    void reply.code(result.code);
    return result.body.kind === "Status" ? result.body : render(target.info, result.body, format, query, nowMs());
  };

  const watch = async (reply: FastifyReply, target: RequestTarget, query: RequestQuery, format: ResponseFormat): Promise<unknown> => {
    const streamOptions = watchStreamOptions(target, query, format, watchSettings);
    const cache = caches.for(target.info);
    if (!(await cache.readyWithin(watchCacheReadyTimeoutMs))) throw unavailable(`the watch cache of ${target.info.resource} is not ready: the store does not answer`);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
    raw.flushHeaders();
    const transport: EventTransport = {
      send: (text) => void raw.write(text),
      bufferedBytes: () => raw.writableLength,
      end: () => {
        if (!raw.writableEnded) raw.end();
      },
      abort: () => raw.destroy(),
      // Node 20: the request's 'close' fires once the body is read; the response's when the client leaves.
      onClose: (listener) => raw.on("close", listener),
    };
    await streamWatch(cache, transport, streamOptions);
    return reply;
  };

  app.route({
    method: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    url: "/api/v1/*",
    handler: (request, reply) => handle(request, reply, "", "v1", encodedRest(request, 3)),
  });
  app.route({ method: ["GET"], url: "/api/v1", handler: (request, reply) => handle(request, reply, "", "v1", "") });
  app.get("/apis/:group", async (request) => {
    const found = apiGroup((request.params as { group: string }).group);
    if (found === undefined) throw noSuchPath();
    return found;
  });
  app.route({
    method: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    url: "/apis/:group/:version/*",
    handler: (request, reply) => {
      const params = request.params as { group: string; version: string; "*": string };
      return handle(request, reply, params.group, params.version, encodedRest(request, 4));
    },
  });
  app.route({
    method: ["GET"],
    url: "/apis/:group/:version",
    handler: (request, reply) => {
      const params = request.params as { group: string; version: string };
      return handle(request, reply, params.group, params.version, "");
    },
  });

  attachWebSocketWatch(app, caches, watchSettings);
  app.addHook("onClose", async () => caches.close());

  if (options.startWatchCaches !== false) caches.startAll(resources);
  const bootstrapped = options.bootstrap === false ? Promise.resolve() : bootstrapCluster(objects, app.log);
  return { app, objects, caches, bootstrapped };
}

/**
 * The path after its first `skip` segments ("/api/v1" is 3: "", "api", "v1"), still
 * percent-encoded: parseResourcePath decodes each segment once, so "%2F" stays inside a segment
 * instead of splitting it, and nothing is decoded twice.
 */
function encodedRest(request: FastifyRequest, skip: number): string {
  const path = (request.raw.url ?? "").split("?")[0] ?? "";
  return path.split("/").slice(skip).join("/").replace(/\/$/, "");
}

function textBody(request: FastifyRequest): string {
  return typeof request.body === "string" ? request.body : "";
}

function toApiError(error: unknown): ApiError {
  const fromStore = fromStoreError(error);
  if (fromStore !== undefined) return fromStore;
  if (typeof error === "object" && error !== null && "code" in error && "statusCode" in error) {
    const status = Number((error as { statusCode: unknown }).statusCode);
    const message = error instanceof Error ? error.message : String(error);
    if (status === 413) return new ApiError(413, "RequestEntityTooLarge", `Request entity too large: limit is ${requestBytesMax}`);
    if (status === 415) return new ApiError(415, "UnsupportedMediaType", message);
    if (status >= 400 && status < 500) return badRequest(message);
  }
  return new ApiError(500, "InternalError", `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`);
}
