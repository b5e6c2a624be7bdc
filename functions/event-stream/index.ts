/** The app event stream: every event of the app, resumable by a durable cursor. */
import streamEvents from './stream-events.ts';

export const eventStreamFunctions = [streamEvents];
