/** Resolves the given host names to 127.0.0.1 in this process until the returned function is called. */
export function installLoopbackDns(hostnames: string[]): () => void;
