/** Message search: the query endpoint and the admin rebuild of an app's index. */
import getReindex from './get-reindex.ts';
import searchMessagesFunction from './search-messages.ts';
import startReindex from './start-reindex.ts';

export const searchFunctions = [searchMessagesFunction, startReindex, getReindex];
