-- The language a user chose for their pages (SetMyLocale): a BCP 47 tag we
-- speak (`en`, `fr`, `ar`), NULL for none (the browser's language is used).
-- Keep in step with ../mysql/0005_user_locale.sql.
ALTER TABLE users ADD COLUMN locale VARCHAR(16);
