// `kube-lite kubelet-sim`: one or many simulated kubelets in this process, until SIGTERM.
import pino from "pino";
import { KubeClient } from "../client/index.js";
import { kubeletSimUsage, parseKubeletSimFlags, UsageError, type KubeletSimFlags } from "./flags.js";
import { KubeletSim } from "./kubelet-sim.js";

/** Starts the simulated kubelets; resolves 0 once they run, 2 on a usage error. SIGTERM/SIGINT stop them and exit 0. */
export async function runKubeletSim(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(kubeletSimUsage);
    return 0;
  }
  let flags: KubeletSimFlags;
  try {
    flags = parseKubeletSimFlags(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`kube-lite kubelet-sim: ${error.message}\n\n${kubeletSimUsage}`);
    return 2;
  }
  const logger = pino({ level: flags.logLevel, base: { component: "kubelet-sim", pid: process.pid } });
  const first = flags.nodeNames[0] ?? "";
  const userAgent = `kubelet-sim/${flags.nodeNames.length === 1 ? first : `${first}+${flags.nodeNames.length - 1}`}`;
  const client = new KubeClient({ servers: flags.servers, userAgent, logger });
  // Events travel on their own connections, as the kubelet's event client does.
  const eventClient = new KubeClient({ servers: flags.servers, userAgent, logger });
  const sim = new KubeletSim({ flags, client, eventClient, logger });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    void sim.stop().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  await sim.start();
  return 0;
}
