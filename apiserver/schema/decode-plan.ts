// The decoder's view of a zod schema, computed once per schema: what each node is and how Go
// names it. Walking this plan instead of calling into zod for every value keeps decoding a
// Deployment in the tens of microseconds.
import { z } from "zod";
import { intOrStringId, microTimeId, quantityId, timeId } from "./dsl.js";
import type { Schema } from "./dsl.js";

export type LeafKind = "string" | "bytes" | "boolean" | "int32" | "int64" | "float64" | "quantity" | "time" | "intOrString" | "freeForm" | "any";

export type PlanNode =
  | { kind: "struct"; goType: string; goStruct: string; fields: Map<string, { plan: PlanNode; index: number }> }
  | { kind: "list"; goType: string; element: PlanNode }
  | { kind: "map"; goType: string; value: PlanNode }
  | { kind: "leaf"; goType: string; leaf: LeafKind };

const plans = new WeakMap<Schema, PlanNode>();

function metaOf(schema: Schema): Record<string, unknown> | undefined {
  return z.globalRegistry.get(schema) as Record<string, unknown> | undefined;
}

function idOf(schema: Schema): string | undefined {
  const id = metaOf(schema)?.id;
  return typeof id === "string" ? id : undefined;
}

/** "io.k8s.api.core.v1.PodSpec" → "v1.PodSpec", as Go prints a named type. */
function goNamed(id: string): string {
  return id.split(".").slice(-2).join(".");
}

const namedLeaves: Record<string, LeafKind> = { [quantityId]: "quantity", [timeId]: "time", [microTimeId]: "time", [intOrStringId]: "intOrString" };

function leaf(goType: string, kind: LeafKind): PlanNode {
  return { kind: "leaf", goType, leaf: kind };
}

function build(schema: Schema): PlanNode {
  const id = idOf(schema);
  const named = id === undefined ? undefined : namedLeaves[id];
  if (id !== undefined && named !== undefined) return leaf(goNamed(id), named);
  const def = schema._zod.def;
  switch (def.type) {
    case "optional":
      return planOf((def as z.core.$ZodOptionalDef).innerType as Schema);
    case "object": {
      const shape = (schema as z.ZodObject).shape as Record<string, Schema>;
      const goType = goNamed(id ?? "struct");
      const fields = new Map(Object.entries(shape).map(([key, field], index) => [key, { plan: planOf(field), index }]));
      return { kind: "struct", goType, goStruct: goType.split(".").pop() ?? goType, fields };
    }
    case "array": {
      const element = planOf((def as z.core.$ZodArrayDef).element as Schema);
      return { kind: "list", goType: `[]${element.goType}`, element };
    }
    case "record": {
      const valueSchema = (def as z.core.$ZodRecordDef).valueType as Schema;
      if (valueSchema._zod.def.type === "unknown") return leaf("map[string]interface {}", "freeForm");
      const value = planOf(valueSchema);
      return { kind: "map", goType: `map[string]${value.goType}`, value };
    }
    case "string":
      return metaOf(schema)?.format === "byte" ? leaf("[]uint8", "bytes") : leaf("string", "string");
    case "boolean":
      return leaf("bool", "boolean");
    case "number": {
      const format = (def as z.core.$ZodTypeDef & { format?: unknown }).format;
      return format === "int32" ? leaf("int32", "int32") : format === "safeint" ? leaf("int64", "int64") : leaf("float64", "float64");
    }
    default:
      return leaf("interface {}", "any");
  }
}

export function planOf(schema: Schema): PlanNode {
  let plan = plans.get(schema);
  if (plan === undefined) {
    plan = build(schema);
    plans.set(schema, plan);
  }
  return plan;
}

/** The keys of `value` that the struct declares, in struct order (Kubernetes serializes so). */
export function keysInStructOrder(plan: Extract<PlanNode, { kind: "struct" }>, keys: readonly string[]): string[] {
  const known = keys.filter((key) => plan.fields.has(key));
  const indexOf = (key: string) => plan.fields.get(key)?.index ?? 0;
  for (let position = 1; position < known.length; position += 1) {
    if (indexOf(known[position - 1] ?? "") > indexOf(known[position] ?? "")) return known.sort((left, right) => indexOf(left) - indexOf(right));
  }
  return known;
}
