-- The import log's message in Chinese beside the English one: the app's interface is Chinese by
-- default, and a rejected import's reasons are what an editor reads first. Older rows keep NULL
-- (the page falls back to the English message).
ALTER TABLE import_log ADD COLUMN message_zh VARCHAR;
