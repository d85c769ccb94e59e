// The connection at a glance: transport and state, announced politely when it changes.
import { useLive } from '../live/context.tsx';
import { STATE_LABEL, TRANSPORT_LABEL } from '../live/status.ts';

export function LiveIndicator() {
  const { status } = useLive();
  const transport = status.transport ? TRANSPORT_LABEL[status.transport] : null;
  const label = STATE_LABEL[status.state];
  const title = [label, transport && `over ${transport}`, status.detail && `(${status.detail})`].filter(Boolean).join(' ');
  return (
    <div class={`live live--${status.state}`} role="status" aria-live="polite" title={title} data-state={status.state} data-transport={status.transport ?? ''}>
      <span class="live__dot" aria-hidden="true" />
      <span class="live__label">{label}</span>
      {transport && <span class="live__transport">· {transport}</span>}
    </div>
  );
}
