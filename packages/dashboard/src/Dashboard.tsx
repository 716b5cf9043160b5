import type { ComponentChildren, VNode } from 'preact';
import type { Identity } from './App.js';
import type { History } from './history.js';
import { useLive } from './poll.js';
import { Asserts } from './sections/Asserts.js';
import { Audit } from './sections/Audit.js';
import { Brokers } from './sections/Brokers.js';
import { Dependencies } from './sections/Dependencies.js';
import { Fleet } from './sections/Fleet.js';
import { Flags } from './sections/Flags.js';
import { Limits } from './sections/Limits.js';
import { Outbox } from './sections/Outbox.js';
import { isSectionError, ok, type Overview } from './types.js';

type Sections = Overview['sections'];
interface Controls {
  history: History;
  canWrite: boolean;
  refresh: () => void;
}

const used = <T extends object>(items: T | undefined): T | undefined => (items === undefined || Object.keys(items).length === 0 ? undefined : items);
const show = <T,>(data: T | undefined, view: (data: T) => VNode): VNode | undefined => (data === undefined ? undefined : view(data));

/** The sections in page order: each shows when the server has its route, and renders its data. */
const SECTIONS: { key: keyof Sections; title: string; render(s: Sections, c: Controls): VNode | undefined }[] = [
  { key: 'asserts', title: 'Asserts', render: (s) => show(ok(s.asserts), (d) => <Asserts asserts={d.asserts} />) },
  { key: 'limits', title: 'Limits', render: (s, c) => show(ok(s.limits), (d) => <Limits limits={d.limits} {...c} />) },
  { key: 'dependencies', title: 'Dependencies', render: (s, c) => show(ok(s.dependencies), (d) => <Dependencies dependencies={d.dependencies} {...c} />) },
  { key: 'outbox', title: 'Outbox', render: (s, c) => show(ok(s.outbox), (d) => <Outbox destinations={d.destinations} dead={ok(s.dead)?.dead ?? []} {...c} />) },
  // Features an instance may not use: an empty list hides the section, like a missing route.
  { key: 'flags', title: 'Flags', render: (s, c) => show(used(ok(s.flags)?.flags), (flags) => <Flags flags={flags} canWrite={c.canWrite} refresh={c.refresh} />) },
  { key: 'brokers', title: 'Brokers', render: (s, c) => show(used(ok(s.brokers)?.brokers), (brokers) => <Brokers brokers={brokers} canWrite={c.canWrite} refresh={c.refresh} />) },
  { key: 'instances', title: 'Fleet', render: (s) => show(used(ok(s.instances)?.instances), (instances) => <Fleet instances={instances} />) },
  { key: 'audit', title: 'Audit log', render: (s) => show(ok(s.audit), (d) => <Audit entries={d.entries} />) },
];

function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section id={id} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

/** A section the server could not read says why instead of showing figures. */
function Unavailable({ value }: { value: unknown }) {
  if (!isSectionError(value)) return null;
  const message = value.error.body?.message;
  return (
    <p class="error" role="alert">
      Unavailable ({value.error.status}){message === undefined ? '' : `: ${message}`}
    </p>
  );
}

/** The live view: every section this instance has, polled once a second. */
export function Dashboard({ identity, onSignOut }: { identity: Identity; onSignOut: (reason?: string) => void }) {
  const live = useLive(() => onSignOut('The token is no longer accepted (401). Sign in again.'));
  const controls: Controls = { history: live.history, canWrite: identity.role === 'write', refresh: live.refresh };
  const sections = live.overview?.sections;
  const present =
    sections === undefined
      ? []
      : SECTIONS.map((section) => ({ ...section, view: section.render(sections, controls) })).filter(
          ({ key, view }) => view !== undefined || isSectionError(sections[key]),
        );
  return (
    <>
      <header class="top">
        <h1>Ballast</h1>
        <nav aria-label="Sections">
          {present.map(({ key, title }) => (
            <a key={key} href={`#${key}`}>
              {title}
            </a>
          ))}
        </nav>
        <p class="who">
          Signed in as <strong>{identity.name}</strong> ({controls.canWrite ? 'write: can change settings' : 'read only'})
        </p>
        <button type="button" class="secondary" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>
      <main>
        {live.problem !== '' && (
          <p class="error" role="alert">
            {live.problem}
          </p>
        )}
        {sections === undefined && <p class="loading">Loading…</p>}
        {present.map(({ key, title, view }) => (
          <Section key={key} id={key} title={title}>
            <Unavailable value={sections?.[key]} />
            {view}
          </Section>
        ))}
      </main>
    </>
  );
}
