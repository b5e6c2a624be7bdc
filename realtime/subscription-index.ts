/**
 * The node's in-memory routing table: conversation → cursors of the local sockets whose users are
 * members, and user → local sockets (to attach cursors when a membership event names them). Built
 * from the store at `resume`, kept current by member events in the stream.
 */
import { userKeyOf, type Connection } from './connection.ts';
import type { ConversationCursor } from './cursor.ts';

export class SubscriptionIndex {
  private readonly byConversation = new Map<string, Set<ConversationCursor>>();
  /** Most users have one socket on a node: stored bare, a Set only from the second (saves memory per socket). */
  private readonly byUser = new Map<string, Connection | Set<Connection>>();
  private readonly connections = new Set<Connection>();

  get size(): number {
    return this.connections.size;
  }

  all(): IterableIterator<Connection> {
    return this.connections.values();
  }

  addConnection(connection: Connection): void {
    this.connections.add(connection);
  }

  /** Registers an authenticated connection under its user, so membership events can find it. */
  addUser(connection: Connection): void {
    const key = connection.userKey;
    const current = this.byUser.get(key);
    if (current === undefined) this.byUser.set(key, connection);
    else if (current instanceof Set) current.add(connection);
    else this.byUser.set(key, new Set([current, connection]));
  }

  removeConnection(connection: Connection): void {
    this.connections.delete(connection);
    for (const cursor of connection.cursors.values()) this.unlink(cursor);
    connection.cursors.clear();
    const key = connection.userKey;
    const current = this.byUser.get(key);
    if (current === connection) this.byUser.delete(key);
    else if (current instanceof Set && current.delete(connection)) {
      if (current.size === 1) this.byUser.set(key, current.values().next().value!);
    }
  }

  connectionsOf(appId: string, userId: string): Iterable<Connection> {
    const current = this.byUser.get(userKeyOf(appId, userId));
    if (current === undefined) return [];
    return current instanceof Set ? current : [current];
  }

  cursorsOf(conversationId: string): ReadonlySet<ConversationCursor> | undefined {
    return this.byConversation.get(conversationId);
  }

  attach(connection: Connection, cursor: ConversationCursor): void {
    connection.cursors.set(cursor.conversationId, cursor);
    let set = this.byConversation.get(cursor.conversationId);
    if (!set) this.byConversation.set(cursor.conversationId, (set = new Set()));
    set.add(cursor);
  }

  detach(cursor: ConversationCursor): void {
    const { cursors } = cursor.socket;
    if (cursors.get(cursor.conversationId) === cursor) cursors.delete(cursor.conversationId);
    this.unlink(cursor);
  }

  private unlink(cursor: ConversationCursor): void {
    const set = this.byConversation.get(cursor.conversationId);
    if (set?.delete(cursor) && set.size === 0) this.byConversation.delete(cursor.conversationId);
  }
}
