// apiserver/tables — server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for
// (Accept: application/json;as=Table;v=v1;g=meta.k8s.io), with the columns and cells of
// upstream's printers (Kubernetes 1.32), and HumanDuration for ages. Pure functions: the caller
// passes the clock.
export { tableFor, type TableOptions } from "./table.js";
export { humanDuration } from "./human-duration.js";
export type { ColumnDefinition } from "./columns.js";
