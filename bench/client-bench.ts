// node --import tsx bench/client-bench.ts [--requests N] [--in-flight N] [--rounds N]
// The KubeClient's own cost per request: GETs of a pod-sized JSON object from a local node:http
// server in the same process, N in flight. Prints the first request's time (what a process pays
// to make its first call) and, per round, wall time and the process's CPU per request (client
// and server together; the server's share does not change between client versions).
import http from "node:http";
import { parseArgs } from "node:util";
import { KubeClient, resourceTypes } from "../client/index.js";

const { values } = parseArgs({ options: { requests: { type: "string", default: "4000" }, "in-flight": { type: "string", default: "8" }, rounds: { type: "string", default: "6" } } });
const requests = Number(values.requests);
const inFlight = Number(values["in-flight"]);
const rounds = Number(values.rounds);

const pod = JSON.stringify({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default", resourceVersion: "1", labels: { app: "web" } },
  spec: { nodeName: "n", containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "50m" } } }] },
  status: { phase: "Running", conditions: Array.from({ length: 4 }, (_, i) => ({ type: `T${i}`, status: "True" })) },
});
const server = http.createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(pod);
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
const { port } = server.address() as { port: number };

const started = performance.now();
const client = new KubeClient({ servers: [`http://127.0.0.1:${port}`] });
await client.get(resourceTypes.pods, "p", "default");
console.log(`first request: ${(performance.now() - started).toFixed(1)} ms`);
for (let round = 1; round <= rounds; round++) {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (sent++ < requests) await client.get(resourceTypes.pods, "p", "default");
    }),
  );
  const used = process.cpuUsage(cpu);
  console.log(`round ${round}: ${((performance.now() - wall) * 1000 / requests).toFixed(0)} µs wall per request, ${((used.user + used.system) / requests).toFixed(0)} µs CPU per request (client + server), ${inFlight} in flight`);
}
server.close();
process.exit(0);
