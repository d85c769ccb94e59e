// A labelled form field with an optional hint; the hint is tied to the input for screen readers.

export interface FieldProps {
  label: string;
  name: string;
  value: string;
  onValue(value: string): void;
  hint?: string;
  multiline?: boolean;
  rows?: number;
  type?: 'text' | 'password' | 'date' | 'search';
  required?: boolean;
  autoComplete?: string;
  inputMode?: 'numeric' | 'text';
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  min?: string;
  max?: string;
}

export function Field({ label, name, value, onValue, hint, multiline, rows, type = 'text', ...rest }: FieldProps) {
  const id = `field-${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const common = {
    id,
    name,
    value,
    required: rest.required,
    maxLength: rest.maxLength,
    minLength: rest.minLength,
    autoComplete: rest.autoComplete,
    'aria-describedby': hintId,
  };
  return (
    <div class="field">
      <label for={id}>
        {label}
        {rest.required && <span aria-hidden="true"> *</span>}
      </label>
      {multiline ? (
        <textarea {...common} rows={rows ?? 3} onInput={(e) => onValue(e.currentTarget.value)} />
      ) : (
        <input
          {...common}
          // The attribute types are a union keyed by `type`; every value here takes the same attributes.
          type={type as 'text'}
          inputMode={rest.inputMode}
          pattern={rest.pattern}
          min={rest.min}
          max={rest.max}
          onInput={(e) => onValue(e.currentTarget.value)}
        />
      )}
      {hint && (
        <p class="field__hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}
