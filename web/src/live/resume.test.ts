import { describe, expect, it } from 'vitest';
import { ResumeTracker } from './resume.ts';

describe('resume id tracking', () => {
  it('starts fresh, then remembers the last event id', () => {
    const t = new ResumeTracker();
    expect(t.lastId).toBeNull();
    expect(t.observe('e1.1-0.')).toBe(true);
    expect(t.observe('e1.2-0.')).toBe(true);
    expect(t.lastId).toBe('e1.2-0.');
  });

  it('reports an event seen before, and does not move back to it', () => {
    const t = new ResumeTracker();
    t.observe('a');
    t.observe('b');
    expect(t.observe('a')).toBe(false);
    expect(t.lastId).toBe('b');
  });

  it('persists the position in storage so a reload resumes', () => {
    const t = new ResumeTracker('feed.resume.42', sessionStorage);
    t.observe('e9.5-0.');
    expect(new ResumeTracker('feed.resume.42', sessionStorage).lastId).toBe('e9.5-0.');
    expect(new ResumeTracker('feed.resume.43', sessionStorage).lastId).toBeNull();
  });

  it('clear forgets the position and the seen ids', () => {
    const t = new ResumeTracker('k', sessionStorage);
    t.observe('x');
    t.clear();
    expect(t.lastId).toBeNull();
    expect(sessionStorage.getItem('k')).toBeNull();
    expect(t.observe('x')).toBe(true);
  });

  it('remembers a bounded number of ids', () => {
    const t = new ResumeTracker();
    for (let i = 0; i < 2000; i++) t.observe(`id${i}`);
    expect(t.observe('id1999')).toBe(false);
    expect(t.observe('id0')).toBe(true); // long forgotten: bounded memory
  });
});
