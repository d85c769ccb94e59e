// Writing or editing a post: a labelled text area with a character count and the API's errors.
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../api/http.ts';
import { POST_MAX_CHARS } from '../api/posts.ts';
import { ErrorMessage } from './ErrorMessage.tsx';

export interface PostEditorProps {
  /** The text to start from (editing) or empty (a new post). */
  initial?: string;
  label: string;
  submitLabel: string;
  busyLabel?: string;
  onSubmit(text: string): Promise<void>;
  onCancel?(): void;
  /** Empty the field after a successful submit (new posts). */
  clearOnSubmit?: boolean;
  autoFocus?: boolean;
  id: string;
}

export function PostEditor({ initial = '', label, submitLabel, busyLabel = 'Saving…', onSubmit, onCancel, clearOnSubmit, autoFocus, id }: PostEditorProps) {
  const [text, setText] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  // The autofocus attribute only works on page load; an editor opened later takes focus here.
  useEffect(() => {
    if (autoFocus) field.current?.focus();
  }, [autoFocus]);
  const length = [...text].length;
  const tooLong = length > POST_MAX_CHARS;
  const empty = text.trim() === '';

  async function submit(e: Event) {
    e.preventDefault();
    if (empty || tooLong || busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit(text);
      if (clearOnSubmit) setText('');
    } catch (err) {
      setError(messageOf(err));
      field.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="editor" onSubmit={submit} aria-busy={busy}>
      <label for={id} class="editor__label">
        {label}
      </label>
      <textarea
        id={id}
        ref={field}
        value={text}
        rows={3}
        aria-describedby={`${id}-count`}
        aria-invalid={tooLong}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit(e);
          if (e.key === 'Escape' && onCancel) onCancel();
        }}
      />
      <div class="editor__bar">
        <span id={`${id}-count`} class={tooLong ? 'editor__count editor__count--over' : 'editor__count'}>
          {length} / {POST_MAX_CHARS}
        </span>
        <span class="editor__actions">
          {onCancel && (
            <button type="button" class="button button--quiet" onClick={onCancel} disabled={busy}>
              Cancel
            </button>
          )}
          <button type="submit" class="button" disabled={empty || tooLong || busy}>
            {busy ? busyLabel : submitLabel}
          </button>
        </span>
      </div>
      <ErrorMessage message={error} />
    </form>
  );
}
