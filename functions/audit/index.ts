/** The tamper-evident audit log: its chain, verification, signed checkpoints and their keys. */
import auditKeys from './audit-keys.ts';
import listAudit from './list-audit.ts';
import listCheckpoints from './list-checkpoints.ts';
import verifyAudit from './verify-audit.ts';

export const auditFunctions = [listAudit, verifyAudit, listCheckpoints, auditKeys];
