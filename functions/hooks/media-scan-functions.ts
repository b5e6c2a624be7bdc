import { hookEndpoints } from './hook-endpoints.ts';

const mediaScan = hookEndpoints('media-scan', 'mediaScan', 'media scan');

export const putMediaScanHook = mediaScan.put;
export const getMediaScanHook = mediaScan.get;
export const deleteMediaScanHook = mediaScan.remove;
export default putMediaScanHook;
