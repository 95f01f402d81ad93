// apiserver/selectors — label and field selectors as Kubernetes 1.32 parses and matches them
// (k8s.io/apimachinery/pkg/labels and /fields): `?labelSelector=` and `?fieldSelector=` on list
// and watch, metav1.LabelSelector on workloads, and each resource's selectable fields. Pure
// functions; a refused selector throws SelectorError with upstream's message (answer 400).
export { SelectorError } from "./selector-error.js";
export { parseLabelSelector } from "./label-selector.js";
export { matchesLabels, type LabelRequirement, type LabelOperator } from "./label-requirement.js";
export { labelSelectorRequirements, formatLabelSelector } from "./label-selector-object.js";
export { parseFieldSelector, matchesFields, type FieldRequirement, type FieldOperator } from "./field-selector.js";
export { selectableFields, checkFieldSelector } from "./selectable-fields.js";
