import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs the signature verification recipes exactly as docs/webhooks.md shows them (the first
 * ```js and ```python blocks), in their own runtimes, against a real delivery.
 */
export interface SignedDelivery {
  secret: string;
  headers: Record<string, string>;
  body: string;
}

async function docBlock(language: string): Promise<string> {
  const doc = await readFile(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(doc);
  if (!match) throw new Error(`docs/webhooks.md has no ${language} block`);
  return match[1]!;
}

function run(command: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: 20_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${command}: ${stderr || error.message}`)) : resolve(stdout.trim())));
    child.stdin!.end(input);
  });
}

async function withScript<T>(name: string, source: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'caas-recipe-'));
  try {
    const path = join(dir, name);
    await writeFile(path, source);
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The Node recipe's answer for each delivery. */
export async function verifyWithNodeRecipe(deliveries: SignedDelivery[]): Promise<boolean[]> {
  const harness = `\nlet input = '';\nfor await (const chunk of process.stdin) input += chunk;\n` +
    `console.log(JSON.stringify(JSON.parse(input).map((d) => verifyWebhook(d.secret, d.headers, d.body))));\n`;
  const source = (await docBlock('js')) + harness;
  return withScript('verify.mjs', source, async (path) => JSON.parse(await run(process.execPath, [path], JSON.stringify(deliveries))) as boolean[]);
}

/** The Python recipe's answer for each delivery (python3 is required: no silent skip). */
export async function verifyWithPythonRecipe(deliveries: SignedDelivery[]): Promise<boolean[]> {
  const harness = '\nimport json, sys\nprint(json.dumps([verify_webhook(d["secret"], d["headers"], d["body"]) for d in json.load(sys.stdin)]))\n';
  const source = (await docBlock('python')) + harness;
  return withScript('verify.py', source, async (path) => JSON.parse(await run('python3', [path], JSON.stringify(deliveries))) as boolean[]);
}
