// The frequency caps page: at most N messages per person on a channel within a period, counted across every
// flow's steps with that channel tag. Everyone sees them; owners add and delete them.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { whoAmI } from '../api/auth';
import { errorMessage } from '../api/client';
import { createFrequencyCap, deleteFrequencyCap, useFrequencyCaps } from '../api/frequency-caps';
import { keys } from '../api/query-keys';
import { periodWords } from '../canvas/held-words';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { relativeTime } from '../ui/time';
import { toast } from '../ui/toasts';

const UNITS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 7 * 86_400_000 } as const;
type Unit = keyof typeof UNITS;

function NewCapForm() {
  const queryClient = useQueryClient();
  const [channel, setChannel] = useState('email');
  const [limit, setLimit] = useState('1');
  const [amount, setAmount] = useState('1');
  const [unit, setUnit] = useState<Unit>('days');
  const save = useMutation({
    mutationFn: () =>
      createFrequencyCap({
        channel: channel.trim(),
        limit: Number(limit),
        periodMs: Math.round(Number(amount) * UNITS[unit]),
      }),
    onSuccess: (cap) => {
      toast('success', `At most ${cap.limit} ${cap.channel} per ${periodWords(cap.periodMs)}.`);
      void queryClient.invalidateQueries({ queryKey: keys.frequencyCaps });
    },
  });
  return (
    <form
      className="frequency-cap-form"
      aria-label="New frequency cap"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <div className="grid-2">
        <div className="form-group">
          <label htmlFor="cap-channel">Channel</label>
          <input
            id="cap-channel"
            value={channel}
            maxLength={32}
            onChange={(e) => setChannel(e.target.value)}
          />
        </div>
        <div className="form-group">
          <label htmlFor="cap-limit">At most (messages per person)</label>
          <input
            id="cap-limit"
            type="number"
            min={1}
            value={limit}
            onChange={(e) => setLimit(e.target.value)}
          />
        </div>
        <div className="form-group">
          <label htmlFor="cap-amount">Per</label>
          <input
            id="cap-amount"
            type="number"
            min={1}
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
          />
        </div>
        <div className="form-group">
          <label htmlFor="cap-unit">Unit</label>
          <select id="cap-unit" value={unit} onChange={(e) => setUnit(e.target.value as Unit)}>
            {Object.keys(UNITS).map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </div>
      </div>
      {save.error ? (
        <p className="text-danger" role="alert">
          {errorMessage(save.error)}
        </p>
      ) : null}
      <button type="submit" className="button button-primary" disabled={save.isPending}>
        <Plus size={14} /> Add cap
      </button>
    </form>
  );
}

export function FrequencyCapsPage() {
  const queryClient = useQueryClient();
  const caps = useFrequencyCaps();
  // owners change caps (the API checks again on each call)
  const who = useQuery({ queryKey: ['auth', 'caller'], queryFn: whoAmI });
  const owner = who.data?.scopes.includes('admin') ?? false;
  const remove = useMutation({
    mutationFn: (id: string) => deleteFrequencyCap(id),
    onSuccess: () => toast('success', 'Deleted the cap.'),
    onError: (err) => toast('error', errorMessage(err)),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: keys.frequencyCaps }),
  });
  const items = caps.data?.items ?? [];
  return (
    <div className="page frequency-caps-page">
      <div className="page-header">
        <h1>Frequency caps</h1>
      </div>
      <p className="muted">
        At most so many messages per person on a channel within a period, counted across all flows: a node
        with that channel tag whose person is at the cap does not send — it takes its “capped” port, or waits
        until the cap allows it, as the node says. {owner ? null : 'Owners change them.'}
      </p>
      {caps.isPending ? <Loading label="Loading frequency caps…" /> : null}
      {caps.isError ? <ErrorState error={caps.error} onRetry={() => void caps.refetch()} /> : null}
      {caps.data && items.length === 0 ? (
        <EmptyState title="No frequency caps">Nothing holds sends back.</EmptyState>
      ) : null}
      {items.length > 0 ? (
        <table className="flow-table">
          <thead>
            <tr>
              <th scope="col">Cap</th>
              <th scope="col">Updated</th>
              {owner ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {items.map((cap) => (
              <tr key={cap.id} data-testid="frequency-cap-row">
                <td>
                  At most {cap.limit} <code>{cap.channel}</code> per {periodWords(cap.periodMs)}
                </td>
                <td title={cap.updatedAt}>{relativeTime(cap.updatedAt)}</td>
                {owner ? (
                  <td className="row-actions">
                    <button
                      type="button"
                      className="button button-quiet"
                      aria-label={`Delete the ${cap.channel} cap per ${periodWords(cap.periodMs)}`}
                      title="Delete"
                      disabled={remove.isPending}
                      onClick={() => remove.mutate(cap.id)}
                    >
                      <Trash2 size={14} />
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {owner ? <NewCapForm /> : null}
    </div>
  );
}
