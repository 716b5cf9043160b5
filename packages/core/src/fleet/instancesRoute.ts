import type { AdminRoute } from '../admin/route.js';
import type { AssertStatus } from '../asserts/index.js';
import { worstOf } from '../health/checks.js';
import { jsonReply } from '../http/types.js';
import type { FleetPresence } from './presence.js';
import type { FleetInstance } from './sql/instanceRow.js';

/** One ring of `GET /fleet/instances`: enough for a deploy script's "is every beta instance on X and passing?". */
export interface StageSummary {
  /** Live instances in the ring. */
  count: number;
  /** The distinct versions they run, sorted (`null`: an instance whose version is unknown). */
  appVersions: (string | null)[];
  /** The worst health among them. */
  health: AssertStatus;
}

/** Orders rings as `order` lists them (narrowest first), then any other ring by name. */
export function byRing(order: readonly string[]): (a: string, b: string) => number {
  const rank = (stage: string): number => (order.includes(stage) ? order.indexOf(stage) : order.length);
  return (a, b) => rank(a) - rank(b) || a.localeCompare(b);
}

/** Groups instances by ring, in `order`. */
export function summarizeStages(instances: readonly FleetInstance[], order: readonly string[] = []): Record<string, StageSummary> {
  const stages = [...new Set(instances.map((i) => i.stage))].sort(byRing(order));
  const summary: Record<string, StageSummary> = {};
  for (const stage of stages) {
    const members = instances.filter((i) => i.stage === stage);
    const versions = [...new Set(members.map((i) => i.appVersion))].sort((a, b) => (a ?? '').localeCompare(b ?? ''));
    // Each instance's verdict as a check, so "worst" has one definition (the one /health uses).
    const health = worstOf({ [stage]: members.map((i) => ({ componentType: 'system', status: i.health, time: i.lastSeenAt })) });
    summary[stage] = { count: members.length, appVersions: versions, health };
  }
  return summary;
}

/**
 * `GET /fleet/instances[?stage=<ring>]`: the live instances (each heartbeat within
 * the last three intervals) and a summary per ring, in `stageOrder`.
 */
export function fleetInstancesRoute(presence: FleetPresence, stageOrder: () => readonly string[] = () => []): AdminRoute {
  return {
    method: 'GET',
    path: '/fleet/instances',
    handle: async ({ query }) => {
      const only = query.get('stage');
      const order = stageOrder();
      const ring = byRing(order);
      const instances = (await presence.list())
        .filter((i) => only === null || i.stage === only)
        .sort((a, b) => ring(a.stage, b.stage) || a.id.localeCompare(b.id));
      return jsonReply(200, { instances, stages: summarizeStages(instances, order) });
    },
  };
}
