// Go durations as the kubelet prints them in event messages ("Successfully pulled image … in 1.393s").

/** A duration as Go's time.Duration.String() prints it ("0s", "313ms", "1.5s", "2m3s"), to the millisecond. */
export function formatGoDuration(ms: number): string {
  const wholeMs = Math.max(0, Math.round(ms));
  if (wholeMs === 0) return "0s";
  if (wholeMs < 1000) return `${wholeMs}ms`;
  const hours = Math.floor(wholeMs / 3_600_000);
  const minutes = Math.floor((wholeMs % 3_600_000) / 60_000);
  const secondsMs = wholeMs % 60_000;
  // Go trims trailing zeros of the fractional seconds.
  const fraction = secondsMs % 1000 === 0 ? "" : `.${String(secondsMs % 1000).padStart(3, "0").replace(/0+$/, "")}`;
  const seconds = `${Math.floor(secondsMs / 1000)}${fraction}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}
