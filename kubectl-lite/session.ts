// What every verb needs: where the apiserver is, the namespace in force, the two REST clients
// (plain JSON, and one that asks for server-side Tables as kubectl get does), discovery, and
// the output streams. Verbs receive a Session so that tests can drive them with their own Io.
import { KubeClient, parseServerList } from "../client/index.js";
import { Discovery } from "./discovery.js";

export const defaultServers = "http://127.0.0.1:8080,http://127.0.0.1:8081";

/** kubectl get's Accept header: a meta.k8s.io Table, plain JSON if the server has none. */
export const tableMediaType = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

/**
 * A CLI fails fast: the client still moves from one apiserver to the next and honours
 * Retry-After (a store election), but gives up after a few seconds instead of the 30 s a
 * control loop waits.
 */
const cliRetryBudgetMs = 2_500;

export interface Io {
  /** Writes one line (or several joined with "\n") to stdout. */
  out(text: string): void;
  /** Writes one line to stderr. */
  err(text: string): void;
  readStdin(): Promise<string>;
  /** Aborts long-running verbs (get -w, rollout status): Ctrl-C in the bin. */
  readonly signal?: AbortSignal;
  /** The clock, for describe's ages and rollout restart's timestamp. */
  now(): number;
}

export interface GlobalFlags {
  readonly server?: string;
  readonly namespace?: string;
}

export interface Session {
  readonly client: KubeClient;
  readonly tableClient: KubeClient;
  readonly discovery: Discovery;
  /** The namespace of -n, else "default". */
  readonly namespace: string;
  /** True when -n was given (apply refuses a file object in another namespace only then). */
  readonly namespaceExplicit: boolean;
  readonly io: Io;
}

/** --server, else $KUBE_LITE_SERVER, else the two local apiservers `kube-lite up` starts. */
export function serverList(flag: string | undefined, environment: string | undefined): string[] {
  const chosen = flag !== undefined && flag !== "" ? flag : environment !== undefined && environment !== "" ? environment : defaultServers;
  return parseServerList(chosen);
}

export function createSession(flags: GlobalFlags, environment: NodeJS.ProcessEnv, io: Io): Session {
  const servers = serverList(flags.server, environment.KUBE_LITE_SERVER);
  const options = { servers, userAgent: "kubectl-lite", retryBudgetMs: cliRetryBudgetMs };
  const client = new KubeClient(options);
  return {
    client,
    tableClient: new KubeClient({ ...options, accept: tableMediaType }),
    discovery: new Discovery(client),
    namespace: flags.namespace !== undefined && flags.namespace !== "" ? flags.namespace : "default",
    namespaceExplicit: flags.namespace !== undefined && flags.namespace !== "",
    io,
  };
}
