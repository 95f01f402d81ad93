// store/mvcc — the replicated state machine: MVCC key-value store (revisions, range, put,
// delete, txn, compaction), watch hub and lessor. Deterministic given the same log. (Issue 3, 4.)
export {};
