// What a step keeps in its state (`held`) when a sending rule held it back; the run view shows it in words.

/** Why a step with a channel tag was held back, kept in its state (`held`) and shown in the run view. */
export type HeldState =
  | {
      rule: 'quietHours';
      outcome: 'delayed';
      channel: string;
      /** When the quiet hours end on the person's clock: the step runs then. */
      until: string;
      start: string;
      end: string;
      /** The time zone the hours were read in. */
      zone: string;
    }
  | {
      rule: 'frequencyCap';
      /** `capped`: took the capped port without sending; `delayed`: waited until `until`. */
      outcome: 'capped' | 'delayed';
      channel: string;
      /** When a slot of the cap frees up (the oldest counted send leaves the period). */
      until: string;
      limit: number;
      periodMs: number;
    };
