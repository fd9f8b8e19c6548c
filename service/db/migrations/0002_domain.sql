-- What the agents work on: users, their payments, support tickets and the searchable documents.
CREATE TABLE users (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations (id),
  display_name text NOT NULL,
  currency text NOT NULL DEFAULT 'USD'
);

CREATE TABLE payments (
  id bigserial PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  amount_cents integer NOT NULL,
  status text NOT NULL CHECK (status IN ('settled', 'pending', 'refunded', 'failed')),
  merchant text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX payments_user_created_idx ON payments (user_id, created_at DESC);

CREATE TABLE tickets (
  id bigserial PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  subject text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'pending', 'resolved')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_user_idx ON tickets (user_id, created_at DESC);

CREATE TABLE documents (
  id bigserial PRIMARY KEY,
  title text NOT NULL,
  body text NOT NULL,
  search tsvector GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || body)) STORED
);
CREATE INDEX documents_search_idx ON documents USING gin (search);
