// The REST API's shapes, as in the OTUS contract (contracts/otus/openapi.json).
export interface User {
  id: string;
  first_name?: string;
  second_name?: string;
  birthdate?: string;
  biography?: string;
  city?: string;
}

export interface Post {
  id: string;
  text: string;
  author_user_id: string;
}

export interface Registration {
  first_name: string;
  second_name: string;
  birthdate?: string;
  city?: string;
  biography?: string;
  password: string;
}

/** One gateway in GET /cluster: counters are totals since the gateway started. */
export interface GatewayStats {
  id: string;
  url: string | null;
  reachable: boolean;
  sessions: number | null;
  users: number | null;
  messagesIn: number | null;
  eventsIn: number | null;
  eventsOut: number | null;
}
