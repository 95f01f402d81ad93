// store/server — one store member process: drives the Raft core (ticker, Ready loop), keeps
// the log and hard state in raft.db (one transaction and at most one fsync per Ready) and the
// MVCC state in member.db (batched, unsynced commits; replayed from the log after a crash),
// talks to peers over persistent batched TCP links, forwards writes to the leader and serves
// etcd v3's JSON gateway API to clients.
export { runStore, parseStoreFlags, storeUsage } from "./cli.js";
export { Member, memberIdOf } from "./member.js";
export type { MemberConfig } from "./member.js";
export { createClientApi } from "./client-api.js";
// Test-only (chaos harness): crash points, power-loss bookkeeping, seeded bugs; inert unless KUBE_LITE_TEST_FAULTS is set.
export { crashPointFile, crashPoints, dropUnsyncedWrites, parseCrashPoint, serverBugs, testCrashPointEnv, testFaultsEnv } from "./test-hooks.js";
export type { CrashPoint, ServerBug } from "./test-hooks.js";
