// Component tests: a clean DOM and storage between tests, and the browser APIs jsdom lacks.
import { cleanup } from '@testing-library/preact';
import { afterAll, afterEach, vi } from 'vitest';
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

// Preact runs effects after paint with a 35 ms timer beside requestAnimationFrame; let a pending
// one fire while jsdom is still installed, not after the environment is torn down.
afterAll(() => new Promise((resolve) => setTimeout(resolve, 60)));
