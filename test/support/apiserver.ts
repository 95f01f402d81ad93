// An apiserver (in this process, for app.inject) over a real store: kube-lite's (started as
// processes) or, with ETCD_ENDPOINTS=url,url, a running etcd 3.4 cluster.
import { buildApiServer, type ApiServer, type ApiServerOptions } from "../../apiserver/index.js";
import { StoreClient } from "../../store/client/index.js";
import { startStoreCluster, type StoreCluster } from "./store-cluster.js";

export interface TestApiServer {
  readonly server: ApiServer;
  readonly store: StoreClient;
  readonly cluster: StoreCluster | undefined;
  /** A second apiserver on the same store (stateless replicas). */
  replica(options?: Partial<ApiServerOptions>): ApiServer;
  stop(): Promise<void>;
}

export async function startTestApiServer(options: Partial<ApiServerOptions> & { members?: number } = {}): Promise<TestApiServer> {
  const external = process.env.ETCD_ENDPOINTS;
  const cluster = external === undefined || external === "" ? await startStoreCluster({ members: options.members ?? 1 }) : undefined;
  const endpoints = cluster?.endpoints ?? (external ?? "").split(",");
  const clients: StoreClient[] = [];
  const servers: ApiServer[] = [];
  const make = (extra: Partial<ApiServerOptions>): ApiServer => {
    const store = new StoreClient({ endpoints });
    clients.push(store);
    const server = buildApiServer({ store, logLevel: "warn", ...options, ...extra });
    servers.push(server);
    return server;
  };
  if (cluster === undefined) {
    // A shared etcd: start from an empty registry so tests see only their own objects.
    const cleaner = new StoreClient({ endpoints });
    await cleaner.deleteRange({ key: "/registry/", rangeEnd: "/registry0" });
    cleaner.close();
  }
  const server = make({});
  await server.bootstrapped;
  const store = clients[0] as StoreClient;
  return {
    server,
    store,
    cluster,
    replica: (extra = {}) => make(extra),
    stop: async () => {
      for (const s of servers) await s.app.close();
      for (const c of clients) c.close();
      await cluster?.stop();
    },
  };
}
