/** Consents per user and purpose, with their full history. */
import getConsent from './get-consent.ts';
import getConsents from './get-consents.ts';
import putConsent from './put-consent.ts';
import putConsents from './put-consents.ts';

export const consentFunctions = [putConsents, putConsent, getConsents, getConsent];
