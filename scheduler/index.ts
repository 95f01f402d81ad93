// scheduler — assigns pending pods to nodes. (Issue 7.)
export {};
