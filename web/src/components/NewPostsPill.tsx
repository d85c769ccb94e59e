// Posts that arrived while the reader was scrolled down wait here instead of shifting the page.
export function NewPostsPill({ count, onShow }: { count: number; onShow(): void }) {
  if (count === 0) return null;
  return (
    <button type="button" class="pill" onClick={onShow}>
      <span aria-hidden="true">↑ </span>
      {count === 1 ? '1 new post' : `${count} new posts`}
    </button>
  );
}
