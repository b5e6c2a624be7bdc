/** Envelope encryption at rest: data keys per app and per user under the kms port's KEKs. */
export { Envelope, type EnvelopeOptions, type Owner, type RewrapProgress } from './envelope.ts';
export { isCiphertext, type FieldRef } from './ciphertext.ts';
export { DATA_KEYS, dataKeyIndexes } from './data-keys.ts';
