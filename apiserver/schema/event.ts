// core/v1 Event (Kubernetes 1.32): what kubelets, controllers and the scheduler report.
import { objectMeta } from "./meta.js";
import { int32, kindStruct, microTime, string, struct, time } from "./dsl.js";
import { objectReference } from "./pod.js";

const coreV1 = "io.k8s.api.core.v1.";

export const event = kindStruct(`${coreV1}Event`, { group: "", version: "v1", kind: "Event" }, {
  metadata: objectMeta, involvedObject: objectReference, reason: string, message: string,
  source: struct(`${coreV1}EventSource`, { component: string, host: string }),
  firstTimestamp: time, lastTimestamp: time, count: int32, type: string, eventTime: microTime,
  series: struct(`${coreV1}EventSeries`, { count: int32, lastObservedTime: microTime }),
  action: string, related: objectReference, reportingComponent: string, reportingInstance: string,
}, ["metadata", "involvedObject"]);
