-- veilstream vault schema, version 1.
-- Values are only ever stored encrypted (AES-256-GCM); keys only ever stored wrapped by the master key.

CREATE TABLE vault_meta (
    key         text PRIMARY KEY,
    value       bytea NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tenants (
    tenant_id        text PRIMARY KEY,
    fingerprint_key  bytea NOT NULL,              -- HMAC key for fingerprints and tokens, wrapped
    master_key_id    text NOT NULL,               -- which master key wrapped it
    policy           jsonb,                       -- the tenant policy file, as last applied
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE data_keys (
    tenant_id      text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    version        integer NOT NULL CHECK (version > 0),
    wrapped_key    bytea NOT NULL,
    master_key_id  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, version)
);

-- The hot table: no foreign keys (a per-row trigger each would halve insert speed); the vault
-- creates the tenant and its key version before writing, and key_version is checked on decrypt.
CREATE TABLE tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     text NOT NULL,
    entity_class  text NOT NULL,
    token_kind    text NOT NULL,
    fingerprint   bytea NOT NULL,                 -- HMAC-SHA256(tenant key, class || normalized value)
    token_value   text NOT NULL,
    ciphertext    bytea,                          -- NULL once erased
    key_version   integer,
    subject_id    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen     timestamptz NOT NULL DEFAULT now(),
    erased_at     timestamptz,
    CONSTRAINT tokens_identity UNIQUE (tenant_id, entity_class, token_kind, fingerprint),
    CONSTRAINT tokens_token UNIQUE (tenant_id, token_value),
    CONSTRAINT tokens_erased CHECK ((ciphertext IS NULL) = (erased_at IS NOT NULL))
);
CREATE INDEX tokens_subject ON tokens (tenant_id, subject_id) WHERE subject_id IS NOT NULL;

CREATE TABLE principals (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name         text NOT NULL,
    key_id       text NOT NULL UNIQUE,            -- public part of the bearer secret
    secret_hash  bytea NOT NULL,                  -- SHA-256 of the secret part
    scopes       text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    disabled_at  timestamptz,
    UNIQUE (tenant_id, name)
);

CREATE TABLE unmask_policies (
    tenant_id   text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name        text NOT NULL,
    classes     text[] NOT NULL,
    principals  text[] NOT NULL,
    purposes    text[] NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

-- Append-only, hash-chained per tenant. audit_head holds each chain's last link so that
-- deleting the newest rows is detected too.
CREATE TABLE audit_log (
    tenant_id   text NOT NULL,
    seq         bigint NOT NULL,
    at          timestamptz NOT NULL,
    principal   text,
    action      text NOT NULL,
    policy      text,
    purpose     text,
    counts      jsonb NOT NULL DEFAULT '{}',
    outcome     text NOT NULL,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

CREATE TABLE audit_head (
    tenant_id  text PRIMARY KEY,
    seq        bigint NOT NULL,
    hash       bytea NOT NULL
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE quarantine (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    reference    text NOT NULL,                   -- e.g. topic/partition/offset
    reason       text NOT NULL,
    ciphertext   bytea NOT NULL,
    key_version  integer NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    released_at  timestamptz,
    UNIQUE (tenant_id, reference),
    FOREIGN KEY (tenant_id, key_version) REFERENCES data_keys (tenant_id, version)
);
