// apiserver/apply — server-side apply and managedFields bookkeeping as pure functions, following
// structured-merge-diff v4 and the apiserver's fieldmanager (Kubernetes 1.32): fieldsV1 sets,
// one entry per manager, conflicts with upstream's messages, pruning of fields a manager
// stopped applying.
export { serverSideApply } from "./server-side-apply.js";
export type { FieldConflict, ServerSideApplyInput, ServerSideApplyResult } from "./server-side-apply.js";
export { updateManagedFields } from "./update-managed-fields.js";
export type { UpdateManagedFieldsInput } from "./update-managed-fields.js";
export type { ManagedFieldsEntry } from "./managed-fields.js";
