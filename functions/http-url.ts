import { z } from 'zod';

/**
 * A link clients will render or fetch (avatars, conversation images): http or https only, so no
 * `javascript:`, `data:`, `file:` or other scheme reaches a customer's UI.
 */
export const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);
