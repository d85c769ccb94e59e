import { render, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { LiveContext, type Live } from '../live/context.tsx';
import type { ConnectionStatus } from '../live/status.ts';
import { LiveIndicator } from './LiveIndicator.tsx';

function withStatus(status: ConnectionStatus) {
  const live: Live = { status, preference: 'auto', setPreference: () => {}, subscribe: () => () => {} };
  return render(
    <LiveContext.Provider value={live}>
      <LiveIndicator />
    </LiveContext.Provider>,
  );
}

describe('LiveIndicator', () => {
  it('shows state and transport in a polite status region', () => {
    withStatus({ state: 'live', transport: 'websocket', attempt: 0 });
    const status = screen.getByRole('status');
    expect(status.textContent).toContain('Live');
    expect(status.textContent).toContain('WebSocket');
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(status.dataset.state).toBe('live');
  });

  it.each([
    [{ state: 'reconnecting', transport: 'sse', attempt: 2 } as ConnectionStatus, 'Reconnecting', 'SSE'],
    [{ state: 'connecting', transport: 'websocket', attempt: 0 } as ConnectionStatus, 'Connecting', 'WebSocket'],
    [{ state: 'offline', transport: null, attempt: 1 } as ConnectionStatus, 'Offline', null],
  ])('shows %o', (status, label, transport) => {
    withStatus(status);
    const text = screen.getByRole('status').textContent ?? '';
    expect(text).toContain(label);
    if (transport) expect(text).toContain(transport);
    else expect(text).not.toContain('·');
  });
});
