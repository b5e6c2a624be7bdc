import { hookEndpoints } from './hook-endpoints.ts';

const preSend = hookEndpoints('pre-send', 'preSend', 'pre-send');

export const putPreSendHook = preSend.put;
export const getPreSendHook = preSend.get;
export const deletePreSendHook = preSend.remove;
export default putPreSendHook;
