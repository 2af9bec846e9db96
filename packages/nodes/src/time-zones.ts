// IANA time zones as Intl knows them (the zones Node's ICU data carries).

/** Whether `tz` is a time zone Intl accepts, e.g. "Europe/Berlin" or "UTC". */
export function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    // Intl refuses unknown zones: exactly what we ask
    return false;
  }
}
