// IANA time zones as Intl knows them (the zones Node's ICU data carries): the flow package's check, under the
// name the nodes use.
import { isTimeZone } from '@tributary/flow';

/** Whether `tz` is a time zone Intl accepts, e.g. "Europe/Berlin" or "UTC". */
export const validZone = isTimeZone;
