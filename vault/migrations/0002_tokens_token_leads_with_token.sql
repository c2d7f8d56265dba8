-- The token index leads with the token, not the tenant.
--
-- The tokenize probe looks a value up by (tenant_id, entity_class, token_kind, fingerprint), the
-- identity index. While `tokens` has no statistics (a new deployment before autoanalyze, or a
-- table that grew fast since), the planner costs an index scan on `tenant_id` alone the same as
-- the full identity probe, and picked tokens_token (tenant_id, token_value): every probe then read
-- every row of the tenant (a 10-value batch took 12 ms instead of 2 ms after 2,000 rows, and it
-- grows with the tenant). Led by token_value, tokens_token cannot serve a tenant-only scan, so
-- the probe has one index to use. Unmask looks tokens up by (tenant_id, token_value = ANY(...)),
-- which the reordered index serves as before; uniqueness is the same set of columns.
ALTER TABLE tokens ADD CONSTRAINT tokens_token_v2 UNIQUE (token_value, tenant_id);
ALTER TABLE tokens DROP CONSTRAINT tokens_token;
ALTER TABLE tokens RENAME CONSTRAINT tokens_token_v2 TO tokens_token;
