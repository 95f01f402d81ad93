// What a new cluster has from the start: the default, kube-system, kube-public and
// kube-node-lease namespaces and the `kubernetes` service. Every apiserver replica ensures
// them; creating what exists is a no-op. Retried until the store answers.
import type { FastifyBaseLogger } from "fastify";
import { ApiError } from "./errors.js";
import type { ObjectService } from "./object-service.js";
import { findResource } from "./resources.js";

const namespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];
const retryDelayMs = 500;

export async function bootstrapCluster(objects: ObjectService, log: FastifyBaseLogger): Promise<void> {
  const namespaceInfo = findResource("", "v1", "namespaces");
  const serviceInfo = findResource("", "v1", "services");
  if (namespaceInfo === undefined || serviceInfo === undefined) throw new Error("core resources missing");
  const options = { dryRun: false, fieldManager: "kube-apiserver", fieldValidation: "Strict" as const };
  for (let attempt = 0; ; attempt++) {
    try {
      for (const name of namespaces) {
        await ignoreExisting(objects.create({ info: namespaceInfo }, { apiVersion: "v1", kind: "Namespace", metadata: { name } }, options));
      }
      await ignoreExisting(
        objects.create(
          { info: serviceInfo, namespace: "default" },
          {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "kubernetes", labels: { component: "apiserver", provider: "kubernetes" } },
            spec: { clusterIP: objects.firstServiceIp, ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }], sessionAffinity: "None", type: "ClusterIP" },
          },
          options,
        ),
      );
      return;
    } catch (error) {
      if (attempt % 10 === 0) log.warn({ error: String(error) }, "bootstrap: the store is not answering yet; retrying");
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
    }
  }
}

async function ignoreExisting(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (error instanceof ApiError && error.code === 409) return;
    if (error instanceof ApiError && error.code === 422 && /already allocated/.test(error.message)) return;
    throw error;
  }
}
