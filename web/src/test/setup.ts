// Component tests: a clean DOM and storage between tests, and the browser APIs jsdom lacks.
import { cleanup } from '@testing-library/preact';
import { afterEach, vi } from 'vitest';
import { setSession } from '../api/session.ts';

afterEach(() => {
  cleanup();
  setSession(null);
  sessionStorage.clear();
  localStorage.clear();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

window.scrollTo = (() => {}) as typeof window.scrollTo;
