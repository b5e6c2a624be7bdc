/** Messages, threads, reactions, pins. */
import deleteMessage from './delete-message.ts';
import editMessage from './edit-message.ts';
import getMessage from './get-message.ts';
import listMessages from './list-messages.ts';
import listReplies from './list-replies.ts';
import { listPinsFunction, pinMessageFunction, unpinMessageFunction } from './pin.ts';
import { addReactionFunction, listReactionsFunction, removeReactionFunction } from './react.ts';
import restoreMessage from './restore-message.ts';
import sendMessage from './send-message.ts';

export const messageFunctions = [
  sendMessage,
  listMessages,
  getMessage,
  editMessage,
  restoreMessage,
  deleteMessage,
  listReplies,
  addReactionFunction,
  removeReactionFunction,
  listReactionsFunction,
  pinMessageFunction,
  unpinMessageFunction,
  listPinsFunction,
];
