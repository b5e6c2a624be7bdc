import type { IndexDeclaration } from '../../infra/store/port.ts';
import { auditChainIndexes } from './audit-chain.ts';
import { checkpointIndexes } from './checkpoints.ts';

/** The audit chain's and its checkpoints' indexes (the unique ones referee concurrent appenders). */
export const auditIndexes: IndexDeclaration[] = [...auditChainIndexes, ...checkpointIndexes];
