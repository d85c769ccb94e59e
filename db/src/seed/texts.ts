// Post bodies: one to three sentences in the author's language, from pools built once.
import { fakerEN, fakerRU } from '@faker-js/faker';
import type { Locale } from './names.ts';
import type { Random } from './random.ts';

const POOL = 2000;

export function createPostTexts(random: Random): (locale: Locale) => string {
  const sentences: Record<Locale, string[]> = {
    ru: Array.from({ length: POOL }, () => fakerRU.lorem.sentence({ min: 4, max: 14 })),
    en: Array.from({ length: POOL }, () => (random.next() < 0.5 ? `${fakerEN.hacker.phrase()}` : `${fakerEN.company.catchPhrase()}. ${fakerEN.word.words(5)}.`)),
  };
  return (locale) => {
    const list = sentences[locale];
    const count = 1 + random.int(3);
    let text = list[random.int(POOL)]!;
    for (let i = 1; i < count; i++) text += ' ' + list[random.int(POOL)]!;
    return text;
  };
}
