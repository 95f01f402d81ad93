// apiserver — fastify server: Kubernetes REST resources over the store, validation, watch
// fan-out, discovery. (Issue 6.)
export {};
