-- Signed unmask requests (the unmask worker): each principal's request-signing key, wrapped by
-- the master key like the tenant keys (NULL for principals created before this migration: they
-- must be re-created to sign), and the request ids already answered, for replay protection.
ALTER TABLE principals ADD COLUMN signing_key bytea;
ALTER TABLE principals ADD COLUMN signing_key_master_id text;

CREATE TABLE unmask_requests_seen (
    tenant_id   text NOT NULL,
    principal   text NOT NULL,
    request_id  text NOT NULL,
    reference   text NOT NULL,                    -- topic/partition/offset of the request
    seen_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, principal, request_id)
);
CREATE INDEX unmask_requests_seen_at ON unmask_requests_seen (seen_at);

-- Audit checkpoints: the head of each tenant's chain at a moment, authenticated with a key
-- derived from the tenant's fingerprint key (HMAC-SHA256), and also published on the audit
-- topic so that a chain cut back inside the database is still caught by `audit verify`.
CREATE TABLE audit_checkpoints (
    tenant_id  text NOT NULL,
    seq        bigint NOT NULL,
    hash       bytea NOT NULL,
    at         timestamptz NOT NULL,
    mac        bytea NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
