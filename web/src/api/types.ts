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
