// Profiles: Russian and English first/last names from faker (Russian surnames agree with
// the person's sex), a birthdate, a city and a short biography. Names come from faker on
// every row (cheap); cities and biographies are drawn from pools built once, because faker's
// templated generators are far slower than a million rows can afford.
import { fakerEN, fakerRU, type Faker } from '@faker-js/faker';
import type { Random } from './random.ts';

export type Locale = 'ru' | 'en';

export interface Person {
  locale: Locale;
  first_name: string;
  second_name: string;
  birthdate: string;
  city: string;
  biography: string | null;
}

const POOL = 1000;
const DAY_MS = 86_400_000;
const BIRTH_FROM = Date.UTC(1955, 0, 1);
const BIRTH_TO = Date.UTC(2007, 11, 31);

function pool(size: number, make: () => string): string[] {
  return Array.from({ length: size }, make);
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface PeopleOptions {
  /** Share of Russian profiles, 0..1. */
  russianShare: number;
  /** Seeds faker, so a run is reproducible. */
  seed: number;
}

/** Returns a function producing one random profile per call. */
export function createPeople(random: Random, { russianShare, seed }: PeopleOptions): () => Person {
  fakerRU.seed(seed);
  fakerEN.seed(seed + 1);
  const cities = {
    ru: pool(POOL, () => fakerRU.location.city()),
    en: pool(POOL, () => fakerEN.location.city()),
  };
  const bios = {
    ru: pool(POOL, () => `${capitalised(fakerRU.person.jobTitle())}. ${fakerRU.lorem.sentence({ min: 3, max: 10 })}`),
    en: pool(POOL, () => `${fakerEN.person.bio()}. ${fakerEN.person.jobTitle()} in ${fakerEN.location.city()}.`),
  };
  const pick = (list: string[]): string => list[random.int(list.length)]!;
  const fakers: Record<Locale, Faker> = { ru: fakerRU, en: fakerEN };

  return () => {
    const locale: Locale = random.next() < russianShare ? 'ru' : 'en';
    const sex = random.next() < 0.5 ? 'female' : 'male';
    const faker = fakers[locale];
    const birth = BIRTH_FROM + random.int((BIRTH_TO - BIRTH_FROM) / DAY_MS) * DAY_MS;
    return {
      locale,
      first_name: faker.person.firstName(sex),
      second_name: faker.person.lastName(sex),
      birthdate: new Date(birth).toISOString().slice(0, 10),
      city: pick(cities[locale]),
      biography: random.next() < 0.15 ? null : pick(bios[locale]), // profile fields are optional
    };
  };
}
