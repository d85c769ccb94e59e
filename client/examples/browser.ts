// Follow the signed-in person's live feed in a page the app serves (same origin), as the SPA
// does: the HttpOnly login cookie authenticates the stream, so no token is handled here.
import { FeedClient } from '@feed/client';

const status = document.querySelector('#status')!;
const list = document.querySelector('#events')!;

const client = new FeedClient({
  resume: { storage: { key: 'feed.resume', store: sessionStorage } }, // a reload resumes
  onStatus: (s) => (status.textContent = `${s.state} ${s.transport ?? ''}`.trim()),
  onEvent: (event) => {
    // feed.reset: the position could not be resumed; the page refetches GET /post/feed here.
    const item = document.createElement('li');
    item.textContent = JSON.stringify(event);
    list.append(item);
  },
  onError: () => location.assign('/login'), // the cookie's token expired or was refused
});
client.start();
