export type { AdapterHarness, AppSpec, RouteSpec, TestRequest, HandlerResult, RunningApp } from './harness.js';
export { expressHarness } from './express.js';
export { koaHarness } from './koa.js';
export { runContractSuite } from './contract/index.js';
export { Latch, until } from './latch.js';
export { closeServer } from './server.js';
export { servedApps } from './serve.js';
export { pipelined } from './http.js';
export { needsEnv } from './env.js';
export {
  createTestDatabase,
  testBackends,
  uniqueName,
  withDatabase,
  type TestDatabase,
  type Backend,
  type Queryable,
  type PGliteHandle,
} from './postgres.js';
export { startReceiver, type Receiver, type ReceivedRequest, type Answer, type Script } from './receiver.js';
export { startScriptedDependency, HttpStatusError, type ScriptedDependency, type DependencyBehaviour } from './dependency.js';
