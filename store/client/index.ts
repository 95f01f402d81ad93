// store/client — the store client: endpoints, leader discovery, retries, watch resume,
// lease keep-alive. (Issues 3, 4.)
export {};
