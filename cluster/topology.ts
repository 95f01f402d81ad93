// What `kube-lite up` runs: every component's name, role and flags, decided from the up flags
// alone (pure, so the plan is tested without starting anything).
import path from "node:path";

export interface Timings {
  /** Node lifecycle: a node whose Lease is this old is unreachable. */
  readonly nodeMonitorGracePeriod: string;
  readonly nodeMonitorPeriod: string;
  /** Pods tolerate an unreachable / not-ready node this long before eviction (seconds). */
  readonly podEvictionTimeoutSeconds: number;
  readonly nodeEvictionRate: string;
  /** Leader election of the controller-manager and scheduler replicas. */
  readonly leaseDuration: string;
  readonly renewDeadline: string;
  readonly retryPeriod: string;
  /** The kubelets' node Lease (renewed every quarter of it, as upstream). */
  readonly nodeLeaseDurationSeconds: number;
  readonly podStartDelay: string;
}

/** Kubernetes 1.32's defaults. */
export const defaultTimings: Timings = {
  nodeMonitorGracePeriod: "50s",
  nodeMonitorPeriod: "5s",
  podEvictionTimeoutSeconds: 300,
  nodeEvictionRate: "0.1",
  leaseDuration: "15s",
  renewDeadline: "10s",
  retryPeriod: "2s",
  nodeLeaseDurationSeconds: 40,
  podStartDelay: "1s",
};

/** `--fast`: a demo that heals in seconds. */
export const fastTimings: Timings = {
  nodeMonitorGracePeriod: "5s",
  nodeMonitorPeriod: "500ms",
  podEvictionTimeoutSeconds: 2,
  nodeEvictionRate: "10",
  // Seconds, but not so few that a busy laptop (a dozen processes on two cores) makes leaders flap.
  leaseDuration: "4s",
  renewDeadline: "3s",
  retryPeriod: "500ms",
  nodeLeaseDurationSeconds: 4,
  podStartDelay: "500ms",
};

export interface UpOptions {
  readonly members: 3 | 5;
  readonly nodes: number;
  readonly dataDir: string;
  /** The first apiserver's port; the second listens on port + 1. */
  readonly port: number;
  readonly timings: Timings;
  readonly logLevel: string;
  /** Store members' client and peer ports; default etcd's Procfile ports (storePorts). */
  readonly storePorts?: readonly { client: number; peer: number }[];
}

export type Role = "store" | "apiserver" | "controller-manager" | "scheduler" | "kubelet-sim";

export interface ComponentSpec {
  /** "store/s1", "apiserver/1", "controller-manager/2", "scheduler/1", "node/node-3". */
  readonly name: string;
  readonly role: Role;
  readonly args: readonly string[];
  /** Where the component writes {"url","pid"} once it listens (roles with a status port). */
  readonly urlFile: string | undefined;
  /** A URL known in advance (store client URL, apiserver URL). */
  readonly url: string | undefined;
  readonly logFile: string;
}

/** etcd's local-cluster Procfile ports, continued the same way for members 4 and 5. */
export function storePorts(index: number): { client: number; peer: number } {
  return { client: index === 0 ? 2379 : 2379 + 10_000 * (index + 1), peer: 12380 + 10_000 * index };
}

export function planCluster(options: UpOptions): ComponentSpec[] {
  const { dataDir, timings, logLevel } = options;
  const logs = path.join(dataDir, "logs");
  const run = path.join(dataDir, "run");
  const specs: ComponentSpec[] = [];
  const members = Array.from({ length: options.members }, (_, i) => ({ name: `s${i + 1}`, ...(options.storePorts?.[i] ?? storePorts(i)) }));
  const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(",");
  for (const member of members) {
    const clientUrl = `http://127.0.0.1:${member.client}`;
    specs.push({
      name: `store/${member.name}`,
      role: "store",
      args: [
        "--name", member.name,
        "--data-dir", path.join(dataDir, "store", member.name),
        "--listen-client-urls", clientUrl,
        "--advertise-client-urls", clientUrl,
        "--listen-peer-urls", `http://127.0.0.1:${member.peer}`,
        "--initial-advertise-peer-urls", `http://127.0.0.1:${member.peer}`,
        "--initial-cluster", initialCluster,
        "--initial-cluster-state", "new",
      ],
      urlFile: undefined,
      url: clientUrl,
      logFile: path.join(logs, `store-${member.name}.log`),
    });
  }
  const etcdServers = members.map((m) => `http://127.0.0.1:${m.client}`).join(",");
  const apiservers = [options.port, options.port + 1].map((port) => `http://127.0.0.1:${port}`);
  for (const [i, url] of apiservers.entries()) {
    specs.push({
      name: `apiserver/${i + 1}`,
      role: "apiserver",
      args: [
        "--etcd-servers", etcdServers,
        "--port", String(options.port + i),
        "--default-not-ready-toleration-seconds", String(timings.podEvictionTimeoutSeconds),
        "--default-unreachable-toleration-seconds", String(timings.podEvictionTimeoutSeconds),
        "--log-level", logLevel,
      ],
      urlFile: undefined,
      url,
      logFile: path.join(logs, `apiserver-${i + 1}.log`),
    });
  }
  const server = apiservers.join(",");
  const leaderElection = ["--leader-elect-lease-duration", timings.leaseDuration, "--leader-elect-renew-deadline", timings.renewDeadline, "--leader-elect-retry-period", timings.retryPeriod];
  for (const role of ["controller-manager", "scheduler"] as const) {
    for (let i = 1; i <= 2; i++) {
      const urlFile = path.join(run, `${role}-${i}.json`);
      const extra =
        role === "controller-manager"
          ? ["--node-monitor-grace-period", timings.nodeMonitorGracePeriod, "--node-monitor-period", timings.nodeMonitorPeriod, "--node-eviction-rate", timings.nodeEvictionRate]
          : [];
      specs.push({
        name: `${role}/${i}`,
        role,
        args: ["--server", server, "--identity", `${role}-${i}`, ...leaderElection, ...extra, "--port", "0", "--url-file", urlFile, "--log-level", logLevel],
        urlFile,
        url: undefined,
        logFile: path.join(logs, `${role}-${i}.log`),
      });
    }
  }
  for (let i = 1; i <= options.nodes; i++) {
    const node = `node-${i}`;
    specs.push({
      name: `node/${node}`,
      role: "kubelet-sim",
      args: [
        "--server", server,
        "--node", node,
        "--node-lease-duration-seconds", String(timings.nodeLeaseDurationSeconds),
        "--pod-start-delay", timings.podStartDelay,
        "--log-level", logLevel,
      ],
      urlFile: undefined,
      url: undefined,
      logFile: path.join(logs, `node-${node}.log`),
    });
  }
  return specs;
}
