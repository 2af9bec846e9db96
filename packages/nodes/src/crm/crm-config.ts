// The CRM node's config: one strict object per operation, joined on `operation`; its JSON Schema is the form.
import { z } from 'zod';
import { credentialField } from '../credentials/define-credential.js';
import { SERVICE_URLS } from '../credentials/service-types.js';

/** Credential types the CRM node accepts: HubSpot's own, or a bearer token for a compatible API. */
export const CRM_CREDENTIAL_TYPES = ['hubspot', 'http.bearer'] as const;

const propertyValue = z.union([z.string().max(65_536), z.number(), z.boolean()]);

const properties = z
  .record(z.string().min(1).max(100), propertyValue)
  .describe('Property values by internal name, e.g. {"firstname": "Ada", "lifecyclestage": "lead"}');

// an expression such as {{ steps.upsert.id }} gives a string, a hand-typed id may be a number
const recordId = (what: string) =>
  z
    .union([z.string().regex(/^\d{1,20}$/, 'a HubSpot record id is digits'), z.number().int().positive()])
    .transform(String)
    .describe(`HubSpot id of the ${what}`);

// HubSpot validates addresses itself (and answers with its message); this only catches a wrong field
const emailAddress = (description: string) =>
  z
    .string()
    .trim()
    .max(254)
    .regex(/^[^\s@]+@[^\s@]+$/, 'must be an e-mail address')
    .describe(description);

const common = {
  credential: credentialField(
    CRM_CREDENTIAL_TYPES,
    'A HubSpot private app token, or a bearer token for a HubSpot-compatible API',
  ),
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
    .optional()
    .describe(`Base URL of the API; default the credential's, else ${SERVICE_URLS.hubspot}`),
};

const upsertContact = z
  .strictObject({
    operation: z.literal('upsertContact'),
    ...common,
    email: emailAddress('E-mail address that identifies the contact'),
    properties: properties.default({}),
  })
  .meta({
    title: 'Upsert contact',
    description: 'Create the contact with this e-mail address, or update it when it exists',
  });

const updateContact = z
  .strictObject({
    operation: z.literal('updateContact'),
    ...common,
    contactId: recordId('contact').optional(),
    email: emailAddress('E-mail address of the contact (instead of contactId)').optional(),
    properties,
  })
  .refine((c) => (c.contactId === undefined) !== (c.email === undefined), {
    message: 'give either contactId or email',
    path: ['contactId'],
  })
  .refine((c) => Object.keys(c.properties).length > 0, {
    message: 'name at least one property to change',
    path: ['properties'],
  })
  .meta({
    title: 'Update contact',
    description: 'Update an existing contact, found by id or e-mail address',
  });

const dealProperties = z
  .object({
    dealname: z.string().trim().min(1).max(1000).describe('Name of the deal'),
    amount: z
      .union([z.number(), z.string().max(100)])
      .optional()
      .describe('Amount, e.g. 1500 or "1500.50"'),
    dealstage: z
      .string()
      .max(200)
      .optional()
      .describe('Internal id of the stage, e.g. "appointmentscheduled"'),
    pipeline: z.string().max(200).optional().describe('Internal id of the pipeline, e.g. "default"'),
    closedate: z.string().max(100).optional().describe('Close date, ISO 8601, e.g. "2026-03-31"'),
  })
  .catchall(propertyValue)
  .describe('Deal properties by internal name: dealname and any others');

const createDeal = z
  .strictObject({
    operation: z.literal('createDeal'),
    ...common,
    properties: dealProperties,
    contactId: recordId('contact to associate the deal with').optional(),
    contactEmail: emailAddress('E-mail address of the contact to associate the deal with').optional(),
    idempotencyProperty: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,99}$/, 'an internal property name: lowercase letters, digits and "_"')
      .optional()
      .describe(
        'Internal name of a deal property with "require unique values" set: the step stores its idempotency key there and looks it up before creating, so a retried step finds the deal instead of creating a second',
      ),
  })
  .refine((c) => c.contactId === undefined || c.contactEmail === undefined, {
    message: 'give contactId or contactEmail, not both',
    path: ['contactEmail'],
  })
  .meta({ title: 'Create deal', description: 'Create a deal, associated with a contact when one is named' });

const addNote = z
  .strictObject({
    operation: z.literal('addNote'),
    ...common,
    body: z.string().min(1).max(65_536).describe('Text of the note (HubSpot renders simple HTML)'),
    contactId: recordId('contact the note is about').optional(),
    contactEmail: emailAddress('E-mail address of the contact the note is about').optional(),
    dealId: recordId('deal the note is about').optional(),
    timestamp: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the note was taken, ISO 8601; default the time the step runs'),
  })
  .refine((c) => c.contactId === undefined || c.contactEmail === undefined, {
    message: 'give contactId or contactEmail, not both',
    path: ['contactEmail'],
  })
  // HubSpot keeps a note that belongs to no record, but nobody would ever see it
  .refine((c) => c.contactId !== undefined || c.contactEmail !== undefined || c.dealId !== undefined, {
    message: 'name the contact or the deal the note belongs to',
    path: ['contactId'],
  })
  .meta({ title: 'Add note', description: 'Add a note to a contact, a deal or both' });

/** Config of the CRM node; its JSON Schema is the editor's form. */
export const crmConfig = z.discriminatedUnion('operation', [
  upsertContact,
  updateContact,
  createDeal,
  addNote,
]);

/** The CRM node's config after parsing. */
export type CrmConfig = z.infer<typeof crmConfig>;

/** The config of one operation. */
export type CrmOperation<O extends CrmConfig['operation']> = Extract<CrmConfig, { operation: O }>;
