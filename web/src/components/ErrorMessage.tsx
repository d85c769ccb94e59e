// A failure, in the API's own words, announced to screen readers.
export function ErrorMessage({ message, onRetry }: { message: string | null | undefined; onRetry?: () => void }) {
  if (!message) return null;
  return (
    <div class="error" role="alert">
      <span>{message}</span>
      {onRetry && (
        <button type="button" class="button button--small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
