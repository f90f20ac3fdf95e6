-- The confirmation a write answered: the data page gives each preview an id and sends it with the
-- confirmation, so a second click on Confirm (or a retry after a restart) finds the import it already
-- made instead of writing again or reporting the first click's import as someone else's change.
ALTER TABLE import_log ADD COLUMN request_id VARCHAR;
