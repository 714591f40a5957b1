-- The client's address with each audit entry: the caller's own address as
-- the API judged it (through trusted proxies only), NULL for the system's
-- own entries and for those written before this column existed.
-- Keep in step with ../mysql/0004_audit_client_address.sql.
ALTER TABLE audit_log ADD COLUMN client_address VARCHAR(64);
