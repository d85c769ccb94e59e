import { fireEvent, render, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { LiveProvider } from '../live/context.tsx';
import type { OpenTransport, TransportKind } from '@feed/client';
import { SettingsPage } from './SettingsPage.tsx';

describe('SettingsPage', () => {
  it('forces a transport, persists the choice and reconnects with it', () => {
    const opened: TransportKind[] = [];
    const fake =
      (kind: TransportKind): OpenTransport =>
      (_from, handlers) => {
        opened.push(kind);
        queueMicrotask(() => handlers.onOpen());
        return { kind, close: () => {} };
      };
    const transports = { websocket: fake('websocket'), sse: fake('sse') };
    render(
      <LiveProvider userId="1" tokenExpired={() => false} onExpired={() => {}} transports={transports}>
        <SettingsPage />
      </LiveProvider>,
    );
    expect((screen.getByLabelText(/Automatic/) as HTMLInputElement).checked).toBe(true);
    expect(opened).toEqual(['websocket']);
    fireEvent.click(screen.getByLabelText(/Server-Sent Events only/));
    expect(localStorage.getItem('feed.transport')).toBe('sse');
    expect(opened).toEqual(['websocket', 'sse']);
    expect((screen.getByLabelText(/Server-Sent Events only/) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByLabelText(/Automatic/));
    expect(localStorage.getItem('feed.transport')).toBeNull();
  });
});
