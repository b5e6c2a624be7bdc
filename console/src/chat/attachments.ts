import { ApiError, type RestClient } from '../../../sdk/src/index.ts';
import { h } from '../dom.ts';

const urls = new Map<string, Promise<string | null>>();
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The thumbnail's short-lived URL, waiting while the media worker makes it; the original when it cannot. */
async function thumbnailUrl(rest: RestClient, mediaId: string): Promise<string | null> {
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      return (await rest.call('media.get', { params: { mediaId }, query: { variant: 'thumbnail' } })).download.url;
    } catch (error) {
      if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 409)) break;
      await wait(250);
    }
  }
  return rest.call('media.get', { params: { mediaId } }).then((media) => media.download.url).catch(() => null);
}

/** An <img> for an attachment, filled in when its thumbnail exists. */
export function attachmentImage(rest: RestClient, mediaId: string): HTMLElement {
  const img = h('img', { class: 'thumb', alt: 'attachment', 'data-testid': 'thumbnail', 'data-media-id': mediaId });
  let url = urls.get(mediaId);
  if (!url) urls.set(mediaId, (url = thumbnailUrl(rest, mediaId)));
  void url.then((src) => {
    if (src) img.src = src;
    else img.replaceWith(h('span', { class: 'muted' }, '(file unavailable)'));
  });
  return img;
}
