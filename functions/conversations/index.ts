/** Conversations, members, roles, receipts. */
import addMembers from './add-members.ts';
import createConversation from './create-conversation.ts';
import getConversation from './get-conversation.ts';
import getOccupancy from './get-occupancy.ts';
import joinChannel from './join-channel.ts';
import listConversations from './list-conversations.ts';
import listMembers from './list-members.ts';
import { markDeliveredFunction, markReadFunction } from './mark-read.ts';
import removeMember from './remove-member.ts';
import setVisibility from './set-visibility.ts';
import updateConversation from './update-conversation.ts';
import updateMember from './update-member.ts';

export const conversationFunctions = [
  createConversation,
  listConversations,
  getConversation,
  updateConversation,
  listMembers,
  addMembers,
  removeMember,
  updateMember,
  joinChannel,
  setVisibility,
  markReadFunction,
  markDeliveredFunction,
  getOccupancy,
];
