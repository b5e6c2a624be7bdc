/** Key lifecycle (metadata, rotation, history) and crypto-shredding of a user's content. */
import getKeys from './get-keys.ts';
import listRotations from './list-rotations.ts';
import rotateKey from './rotate-key.ts';
import shredUser from './shred-user.ts';

export const keyFunctions = [getKeys, rotateKey, listRotations, shredUser];
