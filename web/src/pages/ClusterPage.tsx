// For operators: every live gateway, its sessions, and the events routed to it per second,
// refreshed every second from GET /cluster.
import { useEffect, useRef, useState } from 'preact/hooks';
import { getCluster } from '../api/cluster.ts';
import { messageOf } from '../api/http.ts';
import { formatRate, rates, type GatewayRates, type Sample } from '../cluster/rates.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';

const POLL_MS = 1_000;
const HISTORY = 30;

function Sparkline({ values, label }: { values: number[]; label: string }) {
  if (values.length < 2) return null;
  const max = Math.max(1, ...values);
  // Newest on the right edge; 30 s of history fills the width.
  const offset = HISTORY - values.length;
  const points = values.map((v, i) => `${(((offset + i) / (HISTORY - 1)) * 100).toFixed(1)},${(23 - (v / max) * 21).toFixed(1)}`).join(' ');
  return (
    <svg class="spark" viewBox="0 0 100 24" preserveAspectRatio="none" role="img" aria-label={label}>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" vector-effect="non-scaling-stroke" />
    </svg>
  );
}

export function ClusterPage() {
  const [rows, setRows] = useState<GatewayRates[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updated, setUpdated] = useState<number | null>(null);
  const history = useRef(new Map<string, number[]>());
  const previous = useRef<Sample | null>(null);

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout>;
    const controller = new AbortController();
    async function poll() {
      try {
        const gateways = await getCluster(controller.signal);
        if (!active) return;
        const sample: Sample = { at: performance.now(), gateways };
        const next = rates(previous.current, sample);
        previous.current = sample;
        for (const row of next) {
          const series = history.current.get(row.id) ?? [];
          if (row.eventsOut !== null) series.push(row.eventsOut);
          history.current.set(row.id, series.slice(-HISTORY));
        }
        setRows(next);
        setError(null);
        setUpdated(Date.now());
      } catch (err) {
        if (!active) return;
        setError(messageOf(err));
      }
      if (active) timer = setTimeout(poll, POLL_MS);
    }
    void poll();
    return () => {
      active = false;
      controller.abort();
      clearTimeout(timer);
    };
  }, []);

  const total = (key: 'sessions' | 'users' | 'messagesIn' | 'eventsIn' | 'eventsOut') => rows?.reduce<number | null>((sum, r) => (r[key] === null ? sum : (sum ?? 0) + r[key]!), null) ?? null;

  return (
    <div class="page page--wide">
      <h1 tabIndex={-1}>Cluster</h1>
      <p class="muted">
        Live gateways from the presence registry, with each gateway's own metrics, every second.
        {updated && <span> Updated {new Date(updated).toLocaleTimeString()}.</span>}
      </p>
      <ErrorMessage message={error} />
      {rows === null && !error && (
        <p class="muted" role="status">
          Loading…
        </p>
      )}
      {rows !== null && rows.length === 0 && (
        <EmptyState title="No live gateways">
          <p>No gateway has announced itself in Redis in the last presence period. Start one with npm start.</p>
        </EmptyState>
      )}
      {rows !== null && rows.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Gateways">
          <table class="table">
            <caption class="visually-hidden">Gateways, their sessions and events per second</caption>
            <thead>
              <tr>
                <th scope="col">Gateway</th>
                <th scope="col" class="num">
                  Sessions
                </th>
                <th scope="col" class="num">
                  Users
                </th>
                <th scope="col" class="num">
                  Messages in/s
                </th>
                <th scope="col" class="num">
                  Events in/s
                </th>
                <th scope="col" class="num">
                  Events out/s
                </th>
                <th scope="col">Out/s, last 30 s</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-gateway={r.id}>
                  <th scope="row">
                    <span class={r.reachable ? 'dot dot--ok' : 'dot dot--bad'} aria-hidden="true" /> {r.id}
                    {r.runtime && <span class="muted"> on {r.runtime === 'deno' ? 'Deno' : 'Node'}</span>}
                    <span class="table__sub">{r.reachable ? r.url : `${r.url ?? 'no URL announced'} (not answering)`}</span>
                  </th>
                  <td class="num">{r.sessions ?? '–'}</td>
                  <td class="num">{r.users ?? '–'}</td>
                  <td class="num">{formatRate(r.messagesIn)}</td>
                  <td class="num">{formatRate(r.eventsIn)}</td>
                  <td class="num">{formatRate(r.eventsOut)}</td>
                  <td>
                    <Sparkline values={history.current.get(r.id) ?? []} label={`Events out per second for ${r.id} over the last 30 seconds`} />
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">All {rows.length}</th>
                <td class="num">{total('sessions') ?? '–'}</td>
                <td class="num">{total('users') ?? '–'}</td>
                <td class="num">{formatRate(total('messagesIn'))}</td>
                <td class="num">{formatRate(total('eventsIn'))}</td>
                <td class="num">{formatRate(total('eventsOut'))}</td>
                <td />
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </div>
  );
}
