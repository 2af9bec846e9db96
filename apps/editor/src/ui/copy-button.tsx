// A button that copies a text to the clipboard and says so for a moment.
import { Check, Copy } from 'lucide-react';
import { useState } from 'react';

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // no clipboard permission (plain http, some browsers): the text stays selectable
      setCopied(false);
    }
  };
  return (
    <button type="button" className="icon-button" aria-label={label} title={label} onClick={copy}>
      {copied ? <Check size={14} /> : <Copy size={14} />}
    </button>
  );
}
