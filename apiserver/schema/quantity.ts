// resource.Quantity parsing, to compare requests with limits and to tell negative values.
import { quantityPattern } from "./dsl.js";

const binarySuffixes: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimalSuffixes: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The value of a quantity in base units (cores, bytes), or undefined when it is malformed. */
export function parseQuantity(quantity: unknown): number | undefined {
  if (typeof quantity === "number") return Number.isFinite(quantity) ? quantity : undefined;
  if (typeof quantity !== "string") return undefined;
  const match = quantityPattern.exec(quantity.trim());
  const digits = match?.[1];
  const suffix = match?.[2] ?? "";
  if (digits === undefined || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(digits)) return undefined;
  const number = Number(digits);
  const multiplier = binarySuffixes[suffix] ?? decimalSuffixes[suffix] ?? exponentOf(suffix);
  return multiplier === undefined ? undefined : number * multiplier;
}

function exponentOf(suffix: string): number | undefined {
  const match = /^[eE]([-+]?\d+)$/.exec(suffix);
  return match?.[1] === undefined ? undefined : 10 ** Number(match[1]);
}
