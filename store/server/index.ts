// store/server — one store member process: peer transport, durable raft storage, client
// API in etcd's v3 gateway shapes, leader forwarding, health and status. (Issue 3.)
export {};
