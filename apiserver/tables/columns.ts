// The column definitions of upstream's printers (pkg/printers/internalversion/printers.go,
// Kubernetes 1.32): names, types, formats and priorities exactly; descriptions from the API
// types' SwaggerDoc (kubectl never shows them, `kubectl explain` does not read them).
export type ColumnDefinition = { name: string; type: string; format: string; description: string; priority: number };

type Column = [name: string, type: string, description: string, options?: { format?: string; priority?: number }];

function columns(...definitions: Column[]): ColumnDefinition[] {
  return definitions.map(([name, type, description, options]) => ({
    name,
    type,
    format: options?.format ?? "",
    description,
    priority: options?.priority ?? 0,
  }));
}

const wide = { priority: 1 };

const nameDescription =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const ageDescription =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

const name: Column = ["Name", "string", nameDescription, { format: "name" }];
const age: Column = ["Age", "string", ageDescription];

/** What a workload adds after its counts: Age, then (wide) its template's containers and images, and its selector. */
function workloadTail(selectorDescription: string): Column[] {
  return [
    age,
    ["Containers", "string", "Names of each container in the template.", wide],
    ["Images", "string", "Images referenced by each container in the template.", wide],
    ["Selector", "string", selectorDescription, wide],
  ];
}

export const columnDefinitions: Readonly<Record<string, ColumnDefinition[]>> = {
  pods: columns(
    name,
    ["Ready", "string", "The aggregate readiness state of this pod for accepting traffic."],
    ["Status", "string", "The aggregate status of the containers in this pod."],
    ["Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."],
    age,
    ["IP", "string", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", wide],
    ["Node", "string", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.", wide],
    ["Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.", wide],
    ["Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\"", wide],
  ),
  nodes: columns(
    name,
    ["Status", "string", "The status of the node"],
    ["Roles", "string", "The roles of the node"],
    age,
    ["Version", "string", "Kubelet Version reported by the node."],
    ["Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.", wide],
    ["External-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.", wide],
    ["OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", wide],
    ["Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", wide],
    ["Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", wide],
  ),
  namespaces: columns(name, ["Status", "string", "The status of the namespace"], age),
  deployments: columns(
    name,
    ["Ready", "string", "Number of the pod with ready state"],
    ["Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."],
    ["Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."],
    ...workloadTail("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."),
  ),
  replicasets: columns(
    name,
    ["Desired", "integer", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1."],
    ["Current", "integer", "Replicas is the most recently observed number of replicas."],
    ["Ready", "integer", "The number of ready replicas for this replica set."],
    ...workloadTail("Selector is a label query over pods that should match the replica count. It must match the pod template's labels."),
  ),
  services: columns(
    name,
    ["Type", "string", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer."],
    ["Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."],
    ["External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."],
    ["Port(s)", "string", "The list of ports that are exposed by this service."],
    age,
    ["Selector", "string", "Route service traffic to pods with label keys and values matching this selector.", wide],
  ),
  endpoints: columns(name, ["Endpoints", "string", "The set of all endpoints is the union of all subsets."], age),
  configmaps: columns(name, ["Data", "string", "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'."], age),
  secrets: columns(
    name,
    ["Type", "string", "Used to facilitate programmatic handling of secret data."],
    ["Data", "string", "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'."],
    age,
  ),
  events: columns(
    ["Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."],
    ["Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"],
    ["Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."],
    ["Object", "string", "The object that this event is about."],
    ["Subobject", "string", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", wide],
    ["Source", "string", "The component reporting this event. Should be a short machine understandable string.", wide],
    ["Message", "string", "A human-readable description of the status of this operation."],
    ["First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", wide],
    ["Count", "string", "The number of times this event has occurred.", wide],
    ["Name", "string", nameDescription, { format: "name", priority: 1 }],
  ),
  leases: columns(name, ["Holder", "string", "holderIdentity contains the identity of the holder of a current lease."], age),
};

/** The table of a resource without a printer: Name and Age. */
export const defaultColumnDefinitions: ColumnDefinition[] = columns(name, age);
