// core/v1 ConfigMap and Secret (Kubernetes 1.32).
import { objectMeta } from "./meta.js";
import { boolean, bytes, kindStruct, mapOf, string, stringMap } from "./dsl.js";

const coreV1 = "io.k8s.api.core.v1.";

export const configMap = kindStruct(`${coreV1}ConfigMap`, { group: "", version: "v1", kind: "ConfigMap" }, {
  metadata: objectMeta, immutable: boolean, data: stringMap, binaryData: mapOf(bytes),
});

export const secret = kindStruct(`${coreV1}Secret`, { group: "", version: "v1", kind: "Secret" }, {
  metadata: objectMeta, immutable: boolean, data: mapOf(bytes), stringData: stringMap, type: string,
});
