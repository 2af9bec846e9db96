// Read-only JSON, pretty-printed, with a label for screen readers.
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const text = value === undefined ? '—' : JSON.stringify(value, null, 2);
  return (
    <pre className="json-view" title={label}>
      {text}
    </pre>
  );
}
