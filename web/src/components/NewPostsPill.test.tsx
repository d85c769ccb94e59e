import { fireEvent, render, screen } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { NewPostsPill } from './NewPostsPill.tsx';

describe('NewPostsPill', () => {
  it('is absent with nothing new, and a keyboard-reachable button otherwise', () => {
    const { rerender } = render(<NewPostsPill count={0} onShow={() => {}} />);
    expect(screen.queryByRole('button')).toBeNull();
    const onShow = vi.fn();
    rerender(<NewPostsPill count={1} onShow={onShow} />);
    expect(screen.getByRole('button', { name: /1 new post$/ })).toBeTruthy();
    rerender(<NewPostsPill count={3} onShow={onShow} />);
    fireEvent.click(screen.getByRole('button', { name: /3 new posts/ }));
    expect(onShow).toHaveBeenCalledOnce();
  });
});
