// One-way friendship: "I follow user_id".
import { request } from './http.ts';

export const follow = (userId: string) => request<undefined>('PUT', `/friend/set/${encodeURIComponent(userId)}`);
export const unfollow = (userId: string) => request<undefined>('PUT', `/friend/delete/${encodeURIComponent(userId)}`);

export async function isFollowing(userId: string): Promise<boolean> {
  const { following } = await request<{ following: boolean }>('GET', `/friend/status/${encodeURIComponent(userId)}`);
  return following;
}
