import type { Server } from 'node:http';
import type { Ballast, RequestScope } from '@ballast/core';

/** What a framework-free test handler answers. */
export interface HandlerResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A framework-free view of a request, given to test handlers by each adapter's harness. */
export interface TestRequest {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  /** `req.ballast` (Express) or `ctx.state.ballast` (Koa), read when the handler reads it. */
  readonly scope: RequestScope;
  /** Fires when the client disconnects before the response finished. */
  signal: AbortSignal;
}

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express/Koa-router style path, e.g. `/items/:id`. */
  path: string;
  /** Declare the route on a router mounted at this path, e.g. `/t/:tenant` (`app.use(mount, router)`; Koa: `router.use(mount, sub.routes())`). */
  mount?: string;
  /** Limits applied to this route, in order (outermost first). */
  limits?: string[];
  handler(req: TestRequest): HandlerResult | Promise<HandlerResult>;
}

export interface AppSpec {
  routes: RouteSpec[];
  /** Limits applied to every route (app-level middleware), outermost first. */
  globalLimits?: string[];
  /** Mount the admin API under this prefix. */
  adminPrefix?: string;
  /** Run the framework's JSON body parser before the admin API. */
  bodyParser?: boolean;
  /** Install the adapter's observe() middleware first, when the adapter has it. */
  observe?: boolean;
  /** Install the adapter's errors() middleware (Express: last; Koa: first). */
  errors?: boolean;
}

export interface RunningApp {
  /** e.g. `http://127.0.0.1:12345` */
  url: string;
  /** The node server, for supertest. */
  server: Server;
  close(): Promise<void>;
}

/** One adapter under test: builds a real app on a real server on port 0. */
export interface AdapterHarness {
  name: string;
  start(ballast: Ballast, spec: AppSpec): Promise<RunningApp>;
}
