// Loopback ports for the test and bench clusters.
import fs from "node:fs";
import net from "node:net";

/**
 * A port free now, chosen at random BELOW the kernel's ephemeral range
 * (/proc/sys/net/ipv4/ip_local_port_range): a port from that range (what listen(0) hands out)
 * may be taken by any outgoing connection on the machine while a member that owns it is down —
 * a long-lived keep-alive connection of a test running in parallel held one for more than 15 s,
 * and the member could not restart. Ports below the range are never given to outgoing
 * connections, so only another listener can take one.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralPortsStart();
  const first = 10_000;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = first + Math.floor(Math.random() * (low - first));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found in [${first}, ${low})`);
}

/** The first port of the kernel's ephemeral range. */
function ephemeralPortsStart(): number {
  try {
    const low = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 11_000) return low;
  } catch {
    // not Linux: IANA's dynamic range
  }
  return 49_152;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** `count` distinct free ports (see freePort). */
export async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
