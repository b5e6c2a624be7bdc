import { uploadFile, type RestClient } from '../../../sdk/src/index.ts';
import { h } from '../dom.ts';

/** An "Attach" button, its hidden file input and a progress bar: uploads the chosen image, then hands over its id. */
export function uploadButton(rest: RestClient, onUploaded: (mediaId: string) => Promise<void>, onError: (error: unknown) => void) {
  const input = h('input', { type: 'file', accept: 'image/*', class: 'hidden', 'data-testid': 'file-input' });
  const progress = h('progress', { class: 'hidden', max: 1, value: 0, 'data-testid': 'upload-progress' });
  const button = h('button', { type: 'button', class: 'secondary', title: 'Attach an image', onclick: () => input.click(), 'data-testid': 'attach' }, 'Attach');
  input.addEventListener('change', async () => {
    const chosen = input.files?.[0];
    if (!chosen) return;
    progress.classList.remove('hidden');
    try {
      const media = await uploadFile(rest, chosen, { fileName: chosen.name, onProgress: (sent, total) => (progress.value = total ? sent / total : 0) });
      await onUploaded(media.id);
    } catch (error) {
      onError(error);
    } finally {
      progress.classList.add('hidden');
      input.value = '';
    }
  });
  return { button, input, progress };
}
