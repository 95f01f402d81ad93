// Back-off between attempts: pure functions, so the schedule can be tested without waiting.

export interface BackoffPolicy {
  /** Delay before the second round over the endpoints. */
  baseDelayMs: number;
  /** Cap on one delay. */
  maxDelayMs: number;
}

export const defaultBackoffPolicy: BackoffPolicy = { baseDelayMs: 25, maxDelayMs: 1_000 };

/**
 * Exponential back-off with "equal jitter": half the delay is fixed, half random, so clients
 * that failed together do not retry together, yet each still waits a while.
 * `round` counts completed passes over the endpoints, from 1.
 */
export function backoffDelayMs(round: number, random: () => number, policy: BackoffPolicy = defaultBackoffPolicy): number {
  const exponent = Math.min(Math.max(round - 1, 0), 30);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * A Retry-After header in milliseconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable.
 */
export function parseRetryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  if (!/^[A-Za-z]{3}, /.test(text)) return undefined; // an IMF-fixdate starts with the day's name
  const dateMs = Date.parse(text);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}
