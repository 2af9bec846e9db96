// The flow's quiet hours (settings.quietHours): hours on the person's clock when steps with a channel tag do
// not send but wait until the hours end. Each edit changes the draft's `settings`.
import { useMemo } from 'react';
import { shownProblems, useCanvas } from '../canvas/store';

interface QuietHours {
  start: string;
  end: string;
  timezoneTrait?: string;
}

const DEFAULTS: QuietHours = { start: '21:00', end: '08:00' };

export function QuietHoursSettings() {
  const settings = useCanvas((s) => s.meta.settings);
  const readOnly = useCanvas((s) => s.viewing !== null);
  const updateMeta = useCanvas((s) => s.updateMeta);
  const allProblems = useCanvas((s) => s.problems);
  const pristine = useCanvas((s) => s.pristine);
  const problems = useMemo(
    () =>
      shownProblems({ problems: allProblems, pristine })
        .filter((p) => p.path.startsWith('settings.quietHours'))
        .map((p) => p.message),
    [allProblems, pristine],
  );
  // the stored setting is an object when present (validation says so otherwise)
  const quiet = (settings.quietHours ?? undefined) as QuietHours | undefined;
  const set = (value: QuietHours | undefined) => {
    const next = { ...settings };
    if (value === undefined) delete next.quietHours;
    else next.quietHours = value;
    updateMeta({ settings: next });
  };
  const change = (patch: Partial<QuietHours>) => {
    const next = { ...(quiet ?? DEFAULTS), ...patch };
    if (!next.timezoneTrait) delete next.timezoneTrait;
    set(next);
  };

  return (
    <fieldset className="quiet-hours-settings">
      <legend>Quiet hours</legend>
      <div className="form-group checkbox">
        <label>
          <input
            type="checkbox"
            checked={quiet !== undefined}
            disabled={readOnly}
            onChange={(e) => set(e.target.checked ? DEFAULTS : undefined)}
          />
          Do not send at night
        </label>
      </div>
      {quiet ? (
        <>
          <div className="grid-2">
            <div className="form-group">
              <label htmlFor="quiet-start">From</label>
              <input
                id="quiet-start"
                type="time"
                readOnly={readOnly}
                value={quiet.start}
                onChange={(e) => change({ start: e.target.value })}
              />
            </div>
            <div className="form-group">
              <label htmlFor="quiet-end">Until</label>
              <input
                id="quiet-end"
                type="time"
                readOnly={readOnly}
                value={quiet.end}
                onChange={(e) => change({ end: e.target.value })}
              />
            </div>
          </div>
          <div className="form-group">
            <label htmlFor="quiet-trait">Person's time zone trait</label>
            <input
              id="quiet-trait"
              readOnly={readOnly}
              placeholder="timezone"
              value={quiet.timezoneTrait ?? ''}
              onChange={(e) => change({ timezoneTrait: e.target.value.trim() || undefined })}
            />
          </div>
          <p className="muted">
            Steps with a channel tag that would run in these hours wait until they end — on the person's
            clock: the profile trait above when it names a time zone, else the flow's time zone, else UTC.
          </p>
        </>
      ) : null}
      {problems.length > 0 ? (
        <ul className="error-detail">
          {problems.map((m) => (
            <li key={m} className="text-danger">
              {m}
            </li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}
