// The news feed, newest first, a page at a time (served from the Redis cache and beyond it).
import { request } from './http.ts';
import type { Post } from './types.ts';

export const FEED_PAGE = 20;

export function getFeed(offset: number, limit = FEED_PAGE, signal?: AbortSignal): Promise<Post[]> {
  return request<Post[]>('GET', `/post/feed?offset=${offset}&limit=${limit}`, signal ? { signal } : {});
}
