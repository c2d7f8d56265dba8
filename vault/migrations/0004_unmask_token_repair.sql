-- How an unmask policy reads tokens an LLM rewrote (`token_repair` of the tenant policy's
-- unmask policies): 'tolerant' reveals the forms `vault.token_reader` repairs, 'strict' only the
-- exact `<TAG>token</TAG>`. Existing policies become tolerant, the default.
ALTER TABLE unmask_policies ADD COLUMN token_repair text NOT NULL DEFAULT 'tolerant'
    CHECK (token_repair IN ('strict', 'tolerant'));
