declare module 'node-red-node-test-helper' {
  interface TestNode {
    id: string;
    type: string;
    on(event: string, listener: (...args: any[]) => void): void;
    receive(msg: Record<string, unknown>): void;
    [key: string]: any;
  }
  interface Helper {
    init(runtimePath: string, settings?: Record<string, unknown>): void;
    settings(s: Record<string, unknown>): void;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    load(nodes: unknown, flow: unknown[], credentials?: Record<string, unknown>): Promise<void>;
    unload(): Promise<void>;
    setFlows(flow: unknown[], type?: string, credentials?: Record<string, unknown>): Promise<void>;
    getNode(id: string): TestNode;
    clearFlows(): Promise<void>;
    request(): any;
    log(): any;
  }
  const helper: Helper;
  export = helper;
}
