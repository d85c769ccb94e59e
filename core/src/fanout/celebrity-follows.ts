// A gateway's request for a user's celebrity follows. Gateways hand a celebrity's live post to
// the local followers they know of, from the user's celebrity-follows set in Redis; a feed read
// builds that set, so a client that opened its stream first (or after Redis lost the set) would
// get no celebrity posts live. The gateway asks; the worker builds the set from Postgres if it
// is still missing and answers that gateway alone.
import { follows } from '@feed/db';
import type { DomainEvent } from '@feed/contracts';
import type { FanoutContext } from './context.ts';

type Requested = Extract<DomainEvent, { type: 'celebrity-follows.requested' }>;

export async function onCelebrityFollowsRequested(ctx: FanoutContext, event: Requested): Promise<void> {
  const { userId, gatewayId } = event;
  let celebrities = (await ctx.cache.celebrityFollows.get([userId])).get(userId) ?? null;
  if (!celebrities) {
    // In the follower's lane (see consumer.ts), so no follow event of theirs runs meanwhile.
    celebrities = await follows.celebritiesFollowedBy(ctx.db, userId, ctx.celebrityThreshold);
    await ctx.cache.celebrityFollows.replace(userId, celebrities);
  }
  await ctx.live.celebrityFollows(gatewayId, userId, celebrities);
}
