/**
 * The Supabase preset: the parts of a Supabase database that app migrations rely on but never
 * create, with the row-level security Supabase gives them. Sources and assumptions:
 * docs/platforms/supabase.md.
 */
import type { PlatformPreset } from '../platform-preset.js';

// The identity functions read the request's JWT claims, which PostgREST (and Realtime, Storage)
// set transaction-locally per request; the tables carry the columns policies commonly use.
const prelude = `
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role supabase_auth_admin nologin noinherit;
create role supabase_storage_admin nologin noinherit;
create role supabase_realtime_admin nologin noinherit;

create schema auth;
create schema storage;
create schema realtime;
create schema extensions;

create table auth.users (
  id uuid primary key,
  instance_id uuid,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  phone text,
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  phone_confirmed_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  is_sso_user boolean not null default false,
  is_anonymous boolean not null default false,
  banned_until timestamptz,
  deleted_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz
);
alter table auth.users enable row level security;

create table auth.identities (
  id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  provider text not null,
  provider_id text not null,
  identity_data jsonb not null,
  email text,
  created_at timestamptz,
  updated_at timestamptz
);
alter table auth.identities enable row level security;

create function auth.jwt() returns jsonb language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim', true), ''), nullif(current_setting('request.jwt.claims', true), ''))::jsonb
$$;
create function auth.uid() returns uuid language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''), nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid
$$;
create function auth.role() returns text language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''), nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')::text
$$;
create function auth.email() returns text language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.email', true), ''), nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')::text
$$;

create table storage.buckets (
  id text primary key,
  name text not null,
  owner uuid,
  owner_id text,
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
alter table storage.buckets enable row level security;

create table storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  owner_id text,
  metadata jsonb,
  user_metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now()
);
alter table storage.objects enable row level security;

create function storage.foldername(name text) returns text[] language sql immutable as $$
  select (string_to_array(name, '/'))[1:cardinality(string_to_array(name, '/')) - 1]
$$;
create function storage.filename(name text) returns text language sql immutable as $$
  select (string_to_array(name, '/'))[cardinality(string_to_array(name, '/'))]
$$;
create function storage.extension(name text) returns text language sql immutable as $$
  select reverse(split_part(reverse(storage.filename(name)), '.', 1))
$$;

create table realtime.messages (
  id uuid not null default gen_random_uuid(),
  topic text not null,
  extension text not null,
  event text,
  payload jsonb,
  private boolean default false,
  inserted_at timestamp not null default now(),
  updated_at timestamp not null default now()
);
alter table realtime.messages enable row level security;

create function realtime.topic() returns text language sql stable as $$
  select nullif(current_setting('realtime.topic', true), '')::text
$$;

grant usage on schema public, auth, storage, realtime, extensions to anon, authenticated, service_role;
-- Every function the app creates in public is callable by the API's roles, even after REVOKE … FROM PUBLIC.
alter default privileges in schema public grant execute on functions to anon, authenticated, service_role;
grant select, insert, update, delete on storage.objects, storage.buckets, realtime.messages to anon, authenticated, service_role;
`;

/** Supabase: `auth`, `storage`, `realtime` as the platform creates them; clients are `anon` and `authenticated`. */
export const supabasePreset: PlatformPreset = {
  name: 'supabase',
  prelude,
  contextGucs: ['request.jwt.claims', 'request.jwt.claim', 'request.jwt.claim.sub', 'request.jwt.claim.role', 'request.jwt.claim.email'],
  sharedTables: ['storage.objects', 'realtime.messages'],
  clientRoles: ['anon', 'authenticated', 'public'],
  // auth.role() returns the JWT's role claim, the role PostgREST runs the request as.
  roleFunctions: ['auth.role'],
  // Clients connect as anon/authenticated, which own no table: an unforced table is not bypassed by them.
  // They are database roles any API client gets: a context setter they can call is forgeable by anyone.
  rules: { 'rls-not-forced': 'off', 'forgeable-context': 'error' },
};
