/** Scheduled messages: list, edit, cancel (scheduling itself is `sendAt` on messages.send). */
import cancelScheduled from './cancel-scheduled.ts';
import listScheduled from './list-scheduled.ts';
import updateScheduled from './update-scheduled.ts';

export const scheduledFunctions = [listScheduled, updateScheduled, cancelScheduled];
