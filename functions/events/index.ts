/** The per-conversation event log: catch-up by sequence. */
import listEvents from './list-events.ts';

export const eventFunctions = [listEvents];
