import { time } from '../format.js';
import type { InstanceView } from '../types.js';

/** In fleet mode: every live instance, grouped by ring. */
export function Fleet({ instances }: { instances: InstanceView[] }) {
  if (instances.length === 0) return <p class="muted">No live instances.</p>;
  const rings = new Map<string, InstanceView[]>();
  for (const instance of instances) rings.set(instance.stage, [...(rings.get(instance.stage) ?? []), instance]);
  return (
    <div class="cards">
      {[...rings].map(([ring, members]) => (
        <article class="card" key={ring}>
          <h3>
            Ring {ring} ({members.length})
          </h3>
          <ul class="plain">
            {members.map((m) => (
              <li key={m.id}>
                <code>{m.id}</code> {m.appVersion ?? ''} <span class={`badge verdict-${m.health ?? 'warn'}`}>{m.health ?? 'unknown'}</span>{' '}
                <span class="muted">seen {time(m.lastSeenAt)}</span>
              </li>
            ))}
          </ul>
        </article>
      ))}
    </div>
  );
}
