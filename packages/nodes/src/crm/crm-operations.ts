// The CRM node's four operations, each a short sequence of HubSpot CRM v3 calls.
import { FatalError } from '@tributary/flow';
import type { CrmOperation } from './crm-config.js';
import type { CrmRecord, HubSpotApi } from './hubspot-api.js';

const CONTACTS = 'crm/v3/objects/contacts';
const DEALS = 'crm/v3/objects/deals';
const NOTES = 'crm/v3/objects/notes';

// HUBSPOT_DEFINED association type ids, one per direction
const DEAL_TO_CONTACT = 3;
const NOTE_TO_CONTACT = 202;
const NOTE_TO_DEAL = 214;

/** What upsertContact emits. */
export interface UpsertedContact extends CrmRecord {
  /** False when the contact already existed and was updated. */
  created: boolean;
}

type PropertyValues = Record<string, string | number | boolean | undefined>;

function isOk(status: number): boolean {
  return status >= 200 && status <= 299;
}

/** Property values as HubSpot stores them: strings ("true", "1500.5"). */
function toHubSpot(values: PropertyValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) if (value !== undefined) out[name] = String(value);
  return out;
}

function contactByEmail(email: string): string {
  return `${CONTACTS}/${encodeURIComponent(email)}?idProperty=email`;
}

function association(toId: string, associationTypeId: number) {
  return { to: { id: toId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId }] };
}

/**
 * HubSpot names the contact a 409 collided with only in its message ("Contact already exists. Existing ID:
 * 12345"); when the wording changes, the caller falls back to looking the contact up by e-mail.
 */
function existingId(message: string | undefined): string | undefined {
  return message === undefined ? undefined : /Existing ID: (\d+)/.exec(message)?.[1];
}

/** Creates the contact; a 409 Conflict (it exists) turns into an update of the existing contact. */
export async function upsertContact(
  api: HubSpotApi,
  config: CrmOperation<'upsertContact'>,
): Promise<UpsertedContact> {
  // the email field names the contact: it wins over an "email" among the properties
  const { email: _ignored, ...rest } = toHubSpot(config.properties);
  const answer = await api.send('POST', CONTACTS, { properties: { ...rest, email: config.email } });
  if (isOk(answer.status)) return { ...api.recordOf(answer, 'create contact'), created: true };
  if (answer.status !== 409) api.fail(answer, 'create contact');
  const id = existingId(api.messageOf(answer));
  const path = id === undefined ? contactByEmail(config.email) : `${CONTACTS}/${id}`;
  // the e-mail is left alone: the contact may hold it as a secondary address, and writing it as the primary
  // one would change which address HubSpot mails
  const updated =
    Object.keys(rest).length === 0
      ? await api.record('GET', path, 'read contact')
      : await api.record('PATCH', path, 'update contact', { properties: rest });
  return { ...updated, created: false };
}

/** Updates a contact found by id or e-mail; an unknown one fails with HubSpot's message. */
export async function updateContact(
  api: HubSpotApi,
  config: CrmOperation<'updateContact'>,
): Promise<CrmRecord> {
  // the schema lets through exactly one of contactId and email
  const path =
    config.contactId !== undefined ? `${CONTACTS}/${config.contactId}` : contactByEmail(config.email ?? '');
  return api.record('PATCH', path, 'update contact', { properties: toHubSpot(config.properties) });
}

/** The id of the contact a config names by id or e-mail, if it names one. */
async function contactIdOf(
  api: HubSpotApi,
  config: { contactId?: string | undefined; contactEmail?: string | undefined },
): Promise<string | undefined> {
  if (config.contactId !== undefined) return config.contactId;
  if (config.contactEmail === undefined) return undefined;
  const answer = await api.send('GET', `${contactByEmail(config.contactEmail)}&properties=email`);
  if (answer.status === 404) {
    throw new FatalError(`HubSpot has no contact with the e-mail address ${config.contactEmail}`, {
      code: 'hubspot_contact_not_found',
    });
  }
  if (!isOk(answer.status)) api.fail(answer, 'look up contact');
  return api.recordOf(answer, 'look up contact').id;
}

/**
 * Creates a deal, associated with the contact if one is named. With an idempotency property the step's key is
 * stored on the deal and looked up first, so a retry after a lost answer finds the deal it already made.
 */
export async function createDeal(
  api: HubSpotApi,
  config: CrmOperation<'createDeal'>,
  idempotencyKey: string,
): Promise<CrmRecord> {
  const properties = toHubSpot(config.properties);
  const dedupe = config.idempotencyProperty;
  if (dedupe !== undefined) {
    const query = new URLSearchParams({ idProperty: dedupe, properties: Object.keys(properties).join(',') });
    const found = await api.send('GET', `${DEALS}/${encodeURIComponent(idempotencyKey)}?${query}`);
    if (isOk(found.status)) return api.recordOf(found, 'look up deal');
    if (found.status !== 404) api.fail(found, 'look up deal');
    properties[dedupe] = idempotencyKey;
  }
  const contactId = await contactIdOf(api, config);
  return api.record('POST', DEALS, 'create deal', {
    properties,
    ...(contactId === undefined ? {} : { associations: [association(contactId, DEAL_TO_CONTACT)] }),
  });
}

/** Adds a note to a contact and/or a deal. */
export async function addNote(api: HubSpotApi, config: CrmOperation<'addNote'>): Promise<{ id: string }> {
  const contactId = await contactIdOf(api, config);
  const associations = [
    ...(contactId === undefined ? [] : [association(contactId, NOTE_TO_CONTACT)]),
    ...(config.dealId === undefined ? [] : [association(config.dealId, NOTE_TO_DEAL)]),
  ];
  const note = await api.record('POST', NOTES, 'create note', {
    properties: { hs_note_body: config.body, hs_timestamp: config.timestamp ?? new Date().toISOString() },
    associations,
  });
  return { id: note.id };
}
