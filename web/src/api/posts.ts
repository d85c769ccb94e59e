// Writing posts, and reading one author's latest.
import { request } from './http.ts';
import type { Post } from './types.ts';

/** Answers the new post's id (the contract returns a bare JSON string). */
export const createPost = (text: string) => request<string>('POST', '/post/create', { body: { text } });
export const updatePost = (id: string, text: string) => request<undefined>('PUT', '/post/update', { body: { id, text } });
export const deletePost = (id: string) => request<undefined>('PUT', `/post/delete/${encodeURIComponent(id)}`);
export const getPost = (id: string) => request<Post>('GET', `/post/get/${encodeURIComponent(id)}`, { auth: false });
export const postsBy = (userId: string, limit = 20) => request<Post[]>('GET', `/post/list/${encodeURIComponent(userId)}?limit=${limit}`, { auth: false });

/** The server's limit on a post's length. */
export const POST_MAX_CHARS = 5000;
