/** App hooks: pre-send (allow, reject, rewrite) and media scan (clean, infected). */
import { deleteMediaScanHook, getMediaScanHook, putMediaScanHook } from './media-scan-functions.ts';
import { deletePreSendHook, getPreSendHook, putPreSendHook } from './pre-send-functions.ts';

export const hookFunctions = [putPreSendHook, getPreSendHook, deletePreSendHook, putMediaScanHook, getMediaScanHook, deleteMediaScanHook];
