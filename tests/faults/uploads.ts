import { createHash } from 'node:crypto';
import { sleep } from '../support/wait-for.ts';
import type { Attempt, SendRecord } from './history.ts';

/**
 * Media uploads as a client does them (declare, PUT to the presigned URL, complete), retried from
 * the start until completed, while the S3 server is away. A completed upload is acknowledged
 * (`messageId` holds the media id); `readable` then downloads each one and compares the bytes.
 */
export class Uploaders {
  readonly uploads: SendRecord[] = [];
  private stopNew = false;
  private giveUp = false;
  private readonly loops: Promise<void>[];

  constructor(private readonly apiUrl: string, private readonly token: string, concurrency: number, private readonly label: string) {
    this.loops = Array.from({ length: concurrency }, (_, k) => this.loop(k));
  }

  async finish(settleMs: number): Promise<SendRecord[]> {
    this.stopNew = true;
    const settled = Promise.all(this.loops);
    await Promise.race([settled, sleep(settleMs)]);
    this.giveUp = true;
    await settled;
    return this.uploads;
  }

  /** For every acknowledged upload: true when its download gives back the bytes uploaded. */
  async readable(): Promise<Record<string, boolean>> {
    const result: Record<string, boolean> = {};
    for (const upload of this.uploads) {
      const mediaId = upload.attempts.find((attempt) => attempt.outcome === 'acked')?.messageId;
      if (!mediaId) continue;
      const details = await fetch(`${this.apiUrl}/v1/media/${mediaId}`, { headers: this.auth() });
      const link = (await details.json()) as { download?: { url: string } };
      const bytes = link.download ? Buffer.from(await (await fetch(link.download.url)).arrayBuffer()) : null;
      result[mediaId] = bytes !== null && bytes.equals(this.bytes(upload.clientMessageId));
    }
    return result;
  }

  private async loop(k: number): Promise<void> {
    for (let i = 0; !this.stopNew; i++) {
      const record: SendRecord = { clientMessageId: `${this.label}-u${k}-${i}`, conversationId: '', attempts: [] };
      this.uploads.push(record);
      for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 1_000)) {
        const attempt = await this.attempt(record.clientMessageId);
        record.attempts.push(attempt);
        if (attempt.outcome === 'acked' || this.giveUp) break;
        await sleep(delayMs);
      }
    }
  }

  private bytes(name: string): Buffer {
    return Buffer.from(`${name}\n`.repeat(64));
  }

  private auth() {
    return { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' };
  }

  private async attempt(name: string): Promise<Attempt> {
    const bytes = this.bytes(name);
    const sentAt = Date.now();
    const failed = (step: string, status?: number): Attempt => ({ sentAt, at: Date.now(), outcome: status === undefined ? 'error' : 'status', status, code: step });
    try {
      const signal = AbortSignal.timeout(10_000);
      const sha256 = createHash('sha256').update(bytes).digest('base64');
      const body = JSON.stringify({ fileName: `${name}.txt`, contentType: 'text/plain', size: bytes.byteLength, sha256 });
      const declared = await fetch(`${this.apiUrl}/v1/media/uploads`, { method: 'POST', headers: this.auth(), body, signal });
      if (declared.status !== 201) return failed('declare', declared.status);
      const { id, upload } = (await declared.json()) as { id: string; upload: { method: string; url: string; headers: Record<string, string> } };
      const put = await fetch(upload.url, { method: upload.method, headers: upload.headers, body: new Uint8Array(bytes), signal });
      if (put.status !== 200) return failed('put', put.status);
      const completed = await fetch(`${this.apiUrl}/v1/media/${id}/complete`, { method: 'POST', headers: this.auth(), signal });
      if (completed.status !== 200) return failed('complete', completed.status);
      return { sentAt, at: Date.now(), outcome: 'acked', status: 200, messageId: id };
    } catch (error) {
      return failed(`${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name}`);
    }
  }
}
