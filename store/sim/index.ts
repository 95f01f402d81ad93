// store/sim — a deterministic simulator for the Raft core: seeded PRNG, virtual clock, a network
// that drops, delays, duplicates, reorders and partitions, crashes that lose what was not
// persisted, pauses; clients doing puts, ReadIndex gets and compare-and-swaps. It checks Raft's
// safety properties as it runs, liveness after healing, and linearizability of the history.
export { runSimulation, Simulation, unitsPerTick } from "./simulation.js";
export type { FaultKind, FaultProfileName, SimBugs, SimOptions, SimResult } from "./simulation.js";
export { percentile, runSeeds } from "./runner.js";
export type { SeedsOptions, SeedsSummary } from "./runner.js";
export { checkLinearizability, kvModel } from "./linearizability.js";
export type { CheckResult, KvInput, KvOutput, Model, Operation } from "./linearizability.js";
export { Prng } from "./random.js";
