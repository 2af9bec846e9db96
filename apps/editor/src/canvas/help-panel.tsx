// The keyboard shortcuts help, opened with "?" or the toolbar's help button.
import { Dialog } from '../ui/dialog';
import { POINTER_HINTS, SHORTCUTS } from './shortcuts';

export function HelpPanel({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} title="Keyboard shortcuts" onClose={onClose}>
      <table className="shortcut-table">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.action}>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
              <td>{s.description}</td>
            </tr>
          ))}
          {POINTER_HINTS.map((hint) => (
            <tr key={hint.keys}>
              <td>
                <kbd>{hint.keys}</kbd>
              </td>
              <td>{hint.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
