-- Organizations, their plans, API keys and the monthly usage that quotas are checked against.
CREATE TABLE plans (
  id text PRIMARY KEY,
  rate_limit_per_minute integer NOT NULL CHECK (rate_limit_per_minute > 0),
  monthly_quota integer NOT NULL CHECK (monthly_quota > 0)
);

CREATE TABLE organizations (
  id text PRIMARY KEY,
  name text NOT NULL,
  plan_id text NOT NULL REFERENCES plans (id),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Keys are stored as SHA-256 digests; the plain key is shown once, when it is created.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations (id),
  key_hash text NOT NULL UNIQUE,
  label text NOT NULL DEFAULT '',
  -- A per-key override of the plan's per-minute limit (NULL: the plan's).
  rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_keys_organization_idx ON api_keys (organization_id);

-- One row per organization and calendar month (UTC): the quota counter, incremented atomically.
CREATE TABLE usage_monthly (
  organization_id text NOT NULL REFERENCES organizations (id),
  month date NOT NULL,
  requests integer NOT NULL DEFAULT 0,
  PRIMARY KEY (organization_id, month)
);
