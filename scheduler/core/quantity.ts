// Kubernetes resource quantities ("500m", "1Gi", "1e3", "0.5") as integers, the way the
// scheduler reads them: cpu in millicores (Quantity.MilliValue), everything else in whole units
// (Quantity.Value). Both round up, as apimachinery does, so "0.1m" cpu is 1 millicore.
//
// Parsing goes through BigInt so that "0.1" is exactly 100m (binary floating point would make
// it 100.00000000000001 and round it up to 101). Objects are parsed once when they enter the
// cache, so the cost does not matter per decision.

const decimalSuffixExponents: ReadonlyMap<string, number> = new Map([
  ["n", -9],
  ["u", -6],
  ["m", -3],
  ["", 0],
  ["k", 3],
  ["M", 6],
  ["G", 9],
  ["T", 12],
  ["P", 15],
  ["E", 18],
]);

const binarySuffixPowers: ReadonlyMap<string, number> = new Map([
  ["Ki", 10],
  ["Mi", 20],
  ["Gi", 30],
  ["Ti", 40],
  ["Pi", 50],
  ["Ei", 60],
]);

// Sign, digits with an optional fraction, then a suffix: binary, decimal exponent, or SI.
const quantityPattern = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)$/;

/** An exact rational value: numerator / denominator, denominator > 0. */
interface Rational {
  numerator: bigint;
  denominator: bigint;
}

function parseRational(text: string): Rational | undefined {
  const match = quantityPattern.exec(text.trim());
  if (match === null) return undefined;
  const [, sign = "", number = "", suffix = ""] = match;
  const [whole = "", fraction = ""] = number.split(".");
  let numerator = BigInt(`${whole}${fraction}` || "0");
  let exponent10 = -fraction.length;
  let power2 = 0;
  const binary = binarySuffixPowers.get(suffix);
  if (binary !== undefined) {
    power2 = binary;
  } else if (suffix.startsWith("e") || suffix.startsWith("E")) {
    exponent10 += Number(suffix.slice(1));
  } else {
    exponent10 += decimalSuffixExponents.get(suffix) ?? 0;
  }
  if (sign === "-") numerator = -numerator;
  numerator <<= BigInt(power2);
  let denominator = 1n;
  if (exponent10 >= 0) numerator *= 10n ** BigInt(exponent10);
  else denominator = 10n ** BigInt(-exponent10);
  return { numerator, denominator };
}

function ceilingDivide(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  // BigInt division truncates toward zero; round up only positive remainders.
  return numerator % denominator > 0n ? quotient + 1n : quotient;
}

/** A quantity scaled by 10^scaleExponent and rounded up; undefined if it is not a quantity. */
function scaledValue(quantity: string | number, scaleExponent: number): number | undefined {
  const rational = parseRational(String(quantity));
  if (rational === undefined) return undefined;
  return Number(ceilingDivide(rational.numerator * 10n ** BigInt(scaleExponent), rational.denominator));
}

/** Quantity.Value(): whole units, rounded up. Undefined when the text is not a quantity. */
export function parseQuantity(quantity: string | number): number | undefined {
  return scaledValue(quantity, 0);
}

/** Quantity.MilliValue(): thousandths, rounded up ("500m" → 500, "2" → 2000). */
export function parseMilliQuantity(quantity: string | number): number | undefined {
  return scaledValue(quantity, 3);
}
