/**
 * Which fields are encrypted at rest, per collection: the one place that says so. The sealed store
 * (sealed-store.ts) encrypts them on every write and decrypts them on every read; nothing else in
 * the domain handles ciphertext. A path may cross arrays with `*`; `json` values (custom data) are
 * stored as one ciphertext of their JSON. Empty values ('' , {}, []) and null stay as they are.
 *
 * `owner` names whose data key seals the document's fields: a user id (crypto-shredding reaches
 * it), null for the app's key, or undefined when the write alone does not tell (an update of a
 * message's text: the sealed store then reads the stored document's author).
 */
export interface SealedField {
  path: string;
  kind: 'text' | 'json';
  /** `path` split at its dots (filled in below). */
  parts: string[];
  /**
   * A copy of another document's field is bound to that field instead of its own place (the AAD
   * names the original), so the same plaintext under the same key seals to the same ciphertext
   * once: the event's `payload.message.text` and the message row's `text` (sealed-values.ts).
   * Gets the object holding the value; null keeps the own binding.
   */
  boundTo?: (holder: Record<string, unknown>) => { collection: string; docId: string; field: string } | null;
}

/** The message row's own field, for the copies of a message an event carries. */
const messageField = (field: string) => (holder: Record<string, unknown>) => (typeof holder._id === 'string' ? { collection: 'messages', docId: holder._id, field } : null);

export interface SealedCollection {
  fields: SealedField[];
  owner: (doc: Record<string, unknown>) => string | null | undefined;
}

const str = (value: unknown) => (typeof value === 'string' ? value : value === null ? null : undefined);
const at = (doc: Record<string, unknown>, key: string) => (doc[key] && typeof doc[key] === 'object' ? (doc[key] as Record<string, unknown>) : undefined);

const TABLE: Record<string, { fields: Array<Omit<SealedField, 'parts'>>; owner: SealedCollection['owner'] }> = {
  messages: {
    fields: [
      { path: 'text', kind: 'text' },
      { path: 'custom', kind: 'json' },
      { path: 'edits.*.text', kind: 'text' },
    ],
    owner: (doc) => str(doc.authorId),
  },
  events: {
    fields: [
      { path: 'payload.message.text', kind: 'text', boundTo: messageField('text') },
      { path: 'payload.message.custom', kind: 'json', boundTo: messageField('custom') },
      { path: 'payload.message.edits.*.text', kind: 'text' },
      { path: 'payload.changes.text', kind: 'text' },
      { path: 'payload.push.edits.text', kind: 'text' },
    ],
    owner: (doc) => {
      const payload = at(doc, 'payload');
      const message = payload && at(payload, 'message');
      return str(message ? message.authorId : (payload?.authorId ?? null)) ?? null;
    },
  },
  conversations: {
    fields: [{ path: 'lastMessage.text', kind: 'text' }],
    owner: (doc) => str(at(doc, 'lastMessage')?.authorId),
  },
  users: {
    fields: [
      { path: 'name', kind: 'text' },
      { path: 'image', kind: 'text' },
      { path: 'custom', kind: 'json' },
    ],
    // The profile is the app's record of the user (erasure deletes it); the app key seals it.
    owner: () => null,
  },
  media: {
    fields: [{ path: 'fileName', kind: 'text' }],
    owner: () => null,
  },
  // A webhook endpoint's signing secrets (current and those in their rotation overlap).
  webhooks: {
    fields: [{ path: 'secrets.*.secret', kind: 'text' }],
    owner: () => null,
  },
  // The exact body each delivery sends (queued, delivered and dead letters): the event, message text included.
  webhook_deliveries: {
    fields: [{ path: 'body', kind: 'text' }],
    owner: (doc) => str(doc.authorId),
  },
  // Messages waiting for their send time.
  scheduled_messages: {
    fields: [
      { path: 'message.text', kind: 'text' },
      { path: 'message.custom', kind: 'json' },
    ],
    owner: (doc) => str(doc.authorId),
  },
};

export const SEALED: Record<string, SealedCollection> = Object.fromEntries(
  Object.entries(TABLE).map(([name, spec]) => [name, { ...spec, fields: spec.fields.map((field) => ({ ...field, parts: field.path.split('.') })) }]),
);

/** Whose content an event carries (its message's author), as the event log seals it; null for the app. */
export const eventContentOwner = (event: { payload: Record<string, unknown> }): string | null => SEALED.events!.owner(event) ?? null;
