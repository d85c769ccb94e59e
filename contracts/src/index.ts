export * from './token.ts';
export * from './events.ts';
