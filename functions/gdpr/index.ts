/** GDPR export (Art. 15/20) and erasure (Art. 17) jobs, and one-time export download links. */
import downloadExport from './download-export.ts';
import exportLink from './export-link.ts';
import getErasure from './get-erasure.ts';
import getExport from './get-export.ts';
import startErasure from './start-erasure.ts';
import startExport from './start-export.ts';

export const gdprFunctions = [startExport, getExport, exportLink, downloadExport, startErasure, getErasure];
