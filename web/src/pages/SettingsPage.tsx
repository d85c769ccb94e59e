// Settings: which transport the live connection uses (kept in this browser).
import { useLive } from '../live/context.tsx';
import type { TransportPreference } from '@feed/client';
import { STATE_LABEL, TRANSPORT_LABEL } from '../live/status.ts';

const OPTIONS: { value: TransportPreference; label: string; hint: string }[] = [
  { value: 'auto', label: 'Automatic', hint: 'WebSocket, or Server-Sent Events when a network blocks WebSocket.' },
  { value: 'websocket', label: 'WebSocket only', hint: 'One two-way connection.' },
  { value: 'sse', label: 'Server-Sent Events only', hint: 'Plain HTTP streaming; passes most proxies.' },
];

export function SettingsPage() {
  const live = useLive();
  return (
    <div class="page">
      <h1 tabIndex={-1}>Settings</h1>
      <form class="card form" onSubmit={(e) => e.preventDefault()}>
        <fieldset class="choices">
          <legend>Live connection</legend>
          {OPTIONS.map((option) => (
            <label key={option.value} class="choice">
              <input type="radio" name="transport" value={option.value} checked={live.preference === option.value} onChange={() => live.setPreference(option.value)} aria-describedby={`transport-${option.value}-hint`} />
              <span>
                <span class="choice__label">{option.label}</span>
                <span class="choice__hint" id={`transport-${option.value}-hint`}>
                  {option.hint}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
        <p class="muted" role="status">
          Now: {STATE_LABEL[live.status.state]}
          {live.status.transport ? ` over ${TRANSPORT_LABEL[live.status.transport]}` : ''}.
        </p>
      </form>
    </div>
  );
}
