// The CRM node: contacts, deals and notes in HubSpot (or a HubSpot-compatible API) through CRM v3.
import { defineNode } from '../define-node.js';
import { CRM_CREDENTIAL_TYPES, crmConfig } from './crm-config.js';
import { addNote, createDeal, updateContact, upsertContact } from './crm-operations.js';
import { HubSpotApi } from './hubspot-api.js';

/** Writes contacts, deals and notes to HubSpot's CRM. */
export const crm = defineNode({
  type: 'action.crm',
  version: 1,
  category: 'action',
  title: 'CRM (HubSpot)',
  description:
    'Writes to HubSpot’s CRM through its v3 API (or a compatible one): upsert a contact by e-mail (a create answered 409 Conflict becomes an update of the existing contact), update a contact by id or e-mail, create a deal associated with a contact, or add a note to a contact and/or a deal. ' +
    'Retried on network errors, timeouts, 5xx and 429 (after HubSpot’s rate-limit window); other 4xx answers fail the step with HubSpot’s message, and so does the daily API limit (it only resets at midnight). ' +
    'Contact operations are safe to retry: a retried upsert finds the contact the first attempt created and reports created: false. Creating a deal or a note is not: HubSpot takes no idempotency key, so when an attempt’s answer is lost after HubSpot created the record (a timeout, a dropped connection, a 5xx from a gateway), the retry creates a second one. ' +
    'For deals, name a unique-value deal property in idempotencyProperty: the step’s idempotency key is stored in it and looked up before creating, so a retry finds the first deal instead. Notes have no such guard.',
  icon: 'building-2',
  config: crmConfig,
  credential: { types: CRM_CREDENTIAL_TYPES },
  traits: { pure: false },
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: true },
  outputDescription:
    'One item on `main`. upsertContact: `{ id, created, properties }` (created is false when the contact existed); updateContact and createDeal: `{ id, properties }`; addNote: `{ id }`. Ids are HubSpot record ids (strings of digits), property values strings as HubSpot stores them.',
  run: async (ctx) => {
    const { config } = ctx;
    const api = await HubSpotApi.forStep(ctx);
    ctx.logger.debug({ operation: config.operation }, 'crm');
    switch (config.operation) {
      case 'upsertContact':
        return { main: [await upsertContact(api, config)] };
      case 'updateContact':
        return { main: [await updateContact(api, config)] };
      case 'createDeal':
        return { main: [await createDeal(api, config, ctx.idempotencyKey)] };
      case 'addNote':
        return { main: [await addNote(api, config)] };
    }
  },
});
